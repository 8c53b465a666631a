import type { HttpRequest, HttpResponse } from './http/http-message.js';
import { parseIdempotency, parseIfMatch, parseJsonBody, parseOrderId } from './http/request.js';
import { orderResponse } from './http/response.js';
import { logger } from './logger.js';
import { cancelOrderBodySchema, emptyBodySchema, type OrderAction } from './order.js';
import { type OrdersDependencies, transitionOrder } from './order-service.js';

/**
 * `POST /orders/{id}/<action>`: parse (id, body, If-Match, Idempotency-Key), run the
 * transition, answer 200 with the new state and its `ETag`.
 */
export async function handleTransition(
  deps: OrdersDependencies,
  action: OrderAction,
  request: HttpRequest,
): Promise<HttpResponse> {
  const id = parseOrderId(request);
  const body =
    action === 'cancel'
      ? parseJsonBody(request, cancelOrderBodySchema, { required: false })
      : parseJsonBody(request, emptyBodySchema, { required: false });
  const ifMatch = parseIfMatch(request);
  const idempotency = parseIdempotency(request);
  const reason = 'reason' in body.value ? body.value.reason : undefined;
  const result = await transitionOrder(deps, {
    id,
    action,
    caller: request.caller,
    ...(reason === undefined ? {} : { reason }),
    ...(ifMatch === undefined ? {} : { ifMatch }),
    correlationId: request.correlationId,
    ...(idempotency === undefined
      ? {}
      : {
          idempotency: {
            ...idempotency,
            request: { method: 'POST', path: `/orders/${id}/${action}`, body: body.raw },
          },
        }),
  });
  logger.info(result.replayed ? `order ${action} replayed` : `order ${action}ed`, {
    orderId: id,
    version: result.order.version,
  });
  return orderResponse(200, result);
}
