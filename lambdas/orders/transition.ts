import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import {
  CORRELATION_HEADER,
  callerScope,
  parseIdempotencyKey,
  parseIfMatch,
  parseJsonBody,
  parseOrderId,
} from './http/request.js';
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
  event: APIGatewayProxyEvent,
): Promise<APIGatewayProxyResult> {
  const id = parseOrderId(event);
  const body =
    action === 'cancel'
      ? parseJsonBody(event, cancelOrderBodySchema, { required: false })
      : parseJsonBody(event, emptyBodySchema, { required: false });
  const ifMatch = parseIfMatch(event);
  const key = parseIdempotencyKey(event);
  const scope = callerScope(event);
  const reason = 'reason' in body.value ? body.value.reason : undefined;
  const result = await transitionOrder(deps, {
    id,
    action,
    ...(reason === undefined ? {} : { reason }),
    ...(ifMatch === undefined ? {} : { ifMatch }),
    correlationId: event.headers[CORRELATION_HEADER] as string,
    ...(key === undefined
      ? {}
      : {
          idempotency: {
            key,
            request: { method: 'POST', path: `/orders/${id}/${action}`, body: body.raw },
            ...(scope ? { scope } : {}),
          },
        }),
  });
  logger.info(result.replayed ? `order ${action} replayed` : `order ${action}ed`, {
    orderId: id,
    version: result.order.version,
  });
  return orderResponse(200, result);
}
