import { Logger } from '@aws-lambda-powertools/logger';
import { telemetryIdentity } from '../outbox/metrics.js';

/**
 * The Orders service's structured logger, under the deployment's POWERTOOLS_SERVICE_NAME
 * (a `serviceName` option would override the variable), `orders` when it is not set.
 */
export const logger = new Logger({
  serviceName: telemetryIdentity(process.env, 'orders').serviceName,
});
