import { Logger } from '@aws-lambda-powertools/logger';

/** The Orders service's structured logger (service name overridable by POWERTOOLS_SERVICE_NAME). */
export const logger = new Logger({ serviceName: 'orders' });
