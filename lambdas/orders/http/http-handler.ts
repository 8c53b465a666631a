import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { OrdersConfigError } from '../config.js';
import { printable } from '../safe-text.js';
import { type ApiGatewayEvent, toHttpRequest } from './api-gateway-event.js';
import { toHttpError } from './error-mapping.js';
import type { HttpRequest, HttpResponse } from './http-message.js';
import { HttpError, problemResponse } from './problem.js';
import { resolveCorrelationId } from './request.js';

type ApiMiddleware = MiddlewareObj<HttpRequest, HttpResponse>;

/** A route's own logic: parse the request, call the core, map the result. */
export type RouteHandler = (request: HttpRequest, context: Context) => Promise<HttpResponse>;

/** The Lambda handler API Gateway invokes, with a payload 1.0 or 2.0 event. */
export type ApiHandler = (event: ApiGatewayEvent, context: Context) => Promise<HttpResponse>;

/** The answer to anything unexpected: a 500 that reveals nothing of the internals. */
function internalError(): HttpError {
  return new HttpError(
    500,
    'internal-error',
    'Internal Server Error',
    'an unexpected error occurred; quote the correlation id when reporting it',
  );
}

/**
 * Swaps API Gateway's event (either payload format) for the {@link HttpRequest} the rest
 * of the pipeline reads. An event of neither shape means the function is wired wrongly
 * (every request would fail alike): it is answered here with a 500, and the log names
 * the problem.
 */
function apiGatewayEvent(logger: Logger): ApiMiddleware {
  return {
    before: (request) => {
      try {
        request.event = toHttpRequest(request.event, request.context.awsRequestId);
      } catch (error) {
        if (!(error instanceof OrdersConfigError)) throw error;
        logger.error('unsupported event: check the API Gateway integration', { error });
        // An early return: the rest of the pipeline reads an HttpRequest this event is not.
        return problemResponse(internalError(), { correlationId: request.context.awsRequestId });
      }
    },
  };
}

/**
 * Applies the client's `X-Correlation-Id` to the request, puts the correlation id on every
 * log line, and echoes it on the response (a problem response carries it already).
 */
function correlationId(logger: Logger): ApiMiddleware {
  return {
    before: (request) => {
      // Until the header is validated, the request is known by API Gateway's id.
      logger.setCorrelationId(request.event.correlationId);
      request.event = { ...request.event, correlationId: resolveCorrelationId(request.event) };
      logger.setCorrelationId(request.event.correlationId);
    },
    after: (request) => {
      if (request.response === null) return;
      request.response = {
        ...request.response,
        headers: { ...request.response.headers, 'X-Correlation-Id': request.event.correlationId },
      };
    },
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
      request.response = problemResponse(mapped ?? internalError(), {
        // The path is the client's: a control or bidi character in it is not echoed.
        instance: printable(request.event.path),
        correlationId: request.event.correlationId,
      });
    },
  };
}

/**
 * Wraps a route handler with the service's HTTP plumbing: API Gateway's event (payload 1.0
 * or 2.0) read into an {@link HttpRequest}, Lambda context and correlation id in the logs,
 * problem+json errors.
 */
export function httpHandler(logger: Logger, route: RouteHandler): ApiHandler {
  const pipeline = middy<HttpRequest, HttpResponse>()
    // Registered first so that its onError runs last, after the others had their turn.
    .use(problemErrors(logger))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(apiGatewayEvent(logger))
    .use(correlationId(logger))
    .handler(route);
  // API Gateway calls with its own event, which the first `before` step replaces.
  return pipeline as unknown as ApiHandler;
}
