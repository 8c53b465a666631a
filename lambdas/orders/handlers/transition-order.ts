import { loadOrdersConfig } from '../config.js';
import { createOrdersDependencies } from '../dependencies.js';
import { httpHandler } from '../http/http-handler.js';
import { HttpError } from '../http/problem.js';
import { logger } from '../logger.js';
import { handleTransition } from '../transition.js';

const deps = createOrdersDependencies(loadOrdersConfig(process.env));

/**
 * `POST /orders/{id}/confirm` and `POST /orders/{id}/ship` → 200 with the new state;
 * emits `OrderConfirmed` / `OrderShipped`. The action is the last segment of the route
 * (a REST API's resource, an HTTP API's route key).
 */
export const handler = httpHandler(logger, async (request) => {
  const action = request.route.split('/').at(-1);
  if (action !== 'confirm' && action !== 'ship') {
    throw new HttpError(
      404,
      'route-not-found',
      'Not Found',
      `no route ${request.method} ${request.route}`,
    );
  }
  return handleTransition(deps, action, request);
});
