import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { toHttpError } from './error-mapping.js';
import { HttpError, problemResponse } from './problem.js';
import { CORRELATION_HEADER, resolveCorrelationId } from './request.js';

type ApiMiddleware = MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult>;

/**
 * Resolves the correlation id once, stores it in the (normalized) request headers for the
 * handler, puts it on every log line, and echoes it on every response.
 */
function correlationId(logger: Logger): ApiMiddleware {
  const echo = (request: {
    event: APIGatewayProxyEvent;
    response: APIGatewayProxyResult | null;
  }) => {
    const id = request.event.headers?.[CORRELATION_HEADER];
    if (request.response && id !== undefined) {
      request.response.headers = { ...request.response.headers, 'X-Correlation-Id': id };
    }
  };
  return {
    before: (request) => {
      const id = resolveCorrelationId(request.event, request.context.awsRequestId);
      request.event.headers = { ...request.event.headers, [CORRELATION_HEADER]: id };
      logger.setCorrelationId(id);
    },
    after: echo,
    onError: echo,
  };
}

/**
 * Turns every error into `application/problem+json`: the ones the service raises on
 * purpose with their status and a precise detail; anything else is logged and answered
 * with a 500 that reveals nothing of the internals.
 */
function problemErrors(logger: Logger): ApiMiddleware {
  return {
    onError: (request) => {
      const mapped = toHttpError(request.error);
      if (mapped === undefined || mapped.status >= 500) {
        logger.error('request failed', { error: request.error as Error });
      } else {
        logger.info('request rejected', { status: mapped.status, detail: mapped.message });
      }
      const error =
        mapped ??
        new HttpError(
          500,
          'internal-error',
          'Internal Server Error',
          'an unexpected error occurred; quote the correlation id when reporting it',
        );
      request.response = problemResponse(error, {
        instance: request.event.path,
        correlationId: request.event.headers?.[CORRELATION_HEADER],
      });
    },
  };
}

/** A route's own logic: parse the request, call the core, map the result. */
export type RouteHandler = (
  event: APIGatewayProxyEvent,
  context: Context,
) => Promise<APIGatewayProxyResult>;

/**
 * Wraps a route handler with the service's HTTP plumbing (header normalization, Lambda
 * context and correlation id in the logs, problem+json errors).
 *
 * @example
 * export const handler = httpHandler(logger, async (event) => orderResponse(200, { order: await getOrder(deps, parseOrderId(event)) }));
 */
export function httpHandler(logger: Logger, route: RouteHandler) {
  return (
    middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
      // Registered first so that its onError runs last, after the others had their turn.
      .use(problemErrors(logger))
      .use(httpHeaderNormalizer())
      .use(injectLambdaContext(logger, { resetKeys: true }))
      .use(correlationId(logger))
      .handler(route)
  );
}
