import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { OrderView } from '../order.js';
import type { CommandResult } from '../order-service.js';

/**
 * A JSON response carrying an order, with its version as a strong `ETag` so that a
 * client can send it back in `If-Match`. A replayed idempotent response is marked.
 */
export function orderResponse(
  statusCode: 200 | 201,
  result: CommandResult | { readonly order: OrderView; readonly replayed?: boolean },
  options: { readonly location?: string } = {},
): APIGatewayProxyResult {
  return {
    statusCode,
    headers: {
      'Content-Type': 'application/json',
      ETag: `"${result.order.version}"`,
      ...(options.location === undefined ? {} : { Location: options.location }),
      ...(result.replayed ? { 'Idempotent-Replayed': 'true' } : {}),
    },
    body: JSON.stringify(result.order),
  };
}

/** Where a new order lives, under the stage prefix the request came in with. */
export function orderLocation(event: APIGatewayProxyEvent, id: string): string {
  const base = event.requestContext?.path ?? event.path ?? '/orders';
  return `${base.replace(/\/+$/, '')}/${id}`;
}
