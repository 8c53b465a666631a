import { loadOrdersConfig } from '../config.js';
import { createOrdersDependencies } from '../dependencies.js';
import { httpHandler } from '../http/http-handler.js';
import {
  CORRELATION_HEADER,
  callerScope,
  parseIdempotencyKey,
  parseJsonBody,
} from '../http/request.js';
import { orderLocation, orderResponse } from '../http/response.js';
import { logger } from '../logger.js';
import { createOrderBodySchema } from '../order.js';
import { createOrder } from '../order-service.js';

const deps = createOrdersDependencies(loadOrdersConfig(process.env));

/** `POST /orders` → 201 with the new order, `ETag` and `Location`; emits `OrderCreated`. */
export const handler = httpHandler(logger, async (event) => {
  const body = parseJsonBody(event, createOrderBodySchema, { required: true });
  const key = parseIdempotencyKey(event);
  const scope = callerScope(event);
  const result = await createOrder(deps, {
    body: body.value,
    correlationId: event.headers[CORRELATION_HEADER] as string,
    ...(key === undefined
      ? {}
      : {
          idempotency: {
            key,
            request: { method: 'POST', path: '/orders', body: body.raw },
            ...(scope ? { scope } : {}),
          },
        }),
  });
  logger.info(result.replayed ? 'order creation replayed' : 'order created', {
    orderId: result.order.id,
  });
  return orderResponse(201, result, { location: orderLocation(event, result.order.id) });
});
