import { loadOrdersConfig } from '../config.js';
import { createOrdersDependencies } from '../dependencies.js';
import { httpHandler } from '../http/http-handler.js';
import { logger } from '../logger.js';
import { handleTransition } from '../transition.js';

const deps = createOrdersDependencies(loadOrdersConfig(process.env));

/** `POST /orders/{id}/cancel` `{ reason? }` → 200 with the new state; emits `OrderCancelled`. */
export const handler = httpHandler(logger, async (request) =>
  handleTransition(deps, 'cancel', request),
);
