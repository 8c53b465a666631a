import { loadOrdersConfig } from '../config.js';
import { createOrdersDependencies } from '../dependencies.js';
import { httpHandler } from '../http/http-handler.js';
import { parseOrderId } from '../http/request.js';
import { orderResponse } from '../http/response.js';
import { logger } from '../logger.js';
import { getOrder } from '../order-service.js';

const deps = createOrdersDependencies(loadOrdersConfig(process.env));

/** `GET /orders/{id}` → 200 with the order and its `ETag`; 404 if unknown or another caller's. */
export const handler = httpHandler(logger, async (request) => {
  const order = await getOrder(deps, parseOrderId(request), request.caller);
  return orderResponse(200, { order });
});
