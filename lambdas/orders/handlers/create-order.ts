import { loadOrdersConfig } from '../config.js';
import { createOrdersDependencies } from '../dependencies.js';
import { httpHandler } from '../http/http-handler.js';
import { parseIdempotency, parseJsonBody } from '../http/request.js';
import { orderLocation, orderResponse } from '../http/response.js';
import { logger } from '../logger.js';
import { createOrderBodySchema } from '../order.js';
import { createOrder } from '../order-service.js';

const deps = createOrdersDependencies(loadOrdersConfig(process.env));

/** `POST /orders` → 201 with the new order, `ETag` and `Location`; emits `OrderCreated`. */
export const handler = httpHandler(logger, async (request) => {
  const body = parseJsonBody(request, createOrderBodySchema, { required: true });
  const idempotency = parseIdempotency(request);
  const result = await createOrder(deps, {
    body: body.value,
    caller: request.caller,
    correlationId: request.correlationId,
    ...(idempotency === undefined
      ? {}
      : {
          idempotency: {
            ...idempotency,
            request: { method: 'POST', path: '/orders', body: body.raw },
          },
        }),
  });
  logger.info(result.replayed ? 'order creation replayed' : 'order created', {
    orderId: result.order.id,
  });
  return orderResponse(201, result, { location: orderLocation(request, result.order.id) });
});
