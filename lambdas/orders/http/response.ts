import type { OrderView } from '../order.js';
import type { CommandResult } from '../order-service.js';
import type { HttpRequest, HttpResponse } from './http-message.js';

/**
 * A JSON response carrying an order, with its version as a strong `ETag` so that a
 * client can send it back in `If-Match`. A replayed idempotent response is marked.
 */
export function orderResponse(
  statusCode: 200 | 201,
  result: CommandResult | { readonly order: OrderView; readonly replayed?: boolean },
  options: { readonly location?: string } = {},
): HttpResponse {
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

/** Where a new order lives, under the path (stage prefix included) the client called. */
export function orderLocation(request: HttpRequest, id: string): string {
  return `${request.clientPath.replace(/\/+$/, '')}/${id}`;
}
