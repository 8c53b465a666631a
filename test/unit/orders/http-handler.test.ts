import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it, vi } from 'vitest';
import * as transition from '../../../lambdas/orders/handlers/transition-order.js';
import type { ApiGatewayEvent } from '../../../lambdas/orders/http/api-gateway-event.js';
import { httpHandler } from '../../../lambdas/orders/http/http-handler.js';
import { HttpError } from '../../../lambdas/orders/http/problem.js';
import {
  bodyOf,
  headerOf,
  httpApiEvent,
  lambdaContext,
  PAYLOAD_FORMAT_CASES,
} from '../../helpers/api-events.js';
import { ORDER_ID } from '../../helpers/orders-fixtures.js';

/** A pipeline around a route that answers 204, with its logger's error lines recorded. */
const aPipeline = () => {
  const logger = new Logger({ serviceName: 'orders-test' });
  const errors = vi.spyOn(logger, 'error');
  const route = vi.fn(async () => ({ statusCode: 204, body: '' }));
  return { handler: httpHandler(logger, route), route, errors };
};
const anSqsBatch = { Records: [{ messageId: 'm-1', body: '{}' }] } as unknown as ApiGatewayEvent;

describe('httpHandler', () => {
  describe.each(PAYLOAD_FORMAT_CASES)('with a %s event', (_, format) => {
    it('hands the route the normalized request', async () => {
      const { handler, route } = aPipeline();

      await handler(
        format.event({ method: 'GET', resource: '/orders/{id}', pathParameters: { id: 'o-1' } }),
        lambdaContext(),
      );

      expect(route).toHaveBeenCalledWith(
        expect.objectContaining({
          method: 'GET',
          route: '/orders/{id}',
          pathParameters: { id: 'o-1' },
          correlationId: 'apigw-request-id',
        }),
        expect.anything(),
        expect.anything(),
      );
    });

    it('echoes the correlation id on an error response too', async () => {
      const { handler, route } = aPipeline();
      route.mockRejectedValueOnce(new HttpError(404, 'not-found', 'Not Found', 'no such order'));

      const response = await handler(
        format.event({ resource: '/orders', headers: { 'X-Correlation-Id': 'corr-9' } }),
        lambdaContext(),
      );

      expect(response.statusCode).toBe(404);
      expect(headerOf(response, 'X-Correlation-Id')).toBe('corr-9');
      expect(bodyOf(response).correlationId).toBe('corr-9');
    });

    it('answers a malformed X-Correlation-Id with 400 under the request id, never echoing it', async () => {
      const { handler, route } = aPipeline();
      const malformed = 'x'.repeat(129);

      const response = await handler(
        format.event({ resource: '/orders', headers: { 'X-Correlation-Id': malformed } }),
        lambdaContext(),
      );

      expect(response.statusCode).toBe(400);
      expect(headerOf(response, 'X-Correlation-Id')).toBe('apigw-request-id');
      expect(bodyOf(response).correlationId).toBe('apigw-request-id');
      expect(route).not.toHaveBeenCalled();
    });
  });

  describe('with an event of neither payload format', () => {
    it('fails with a 500 problem that reveals nothing, and never runs the route', async () => {
      const { handler, route } = aPipeline();

      const response = await handler(anSqsBatch, lambdaContext());

      expect(response.statusCode).toBe(500);
      expect(headerOf(response, 'Content-Type')).toBe('application/problem+json');
      expect(bodyOf(response)).toEqual({
        type: 'urn:dynamo-outbox:problem:internal-error',
        title: 'Internal Server Error',
        status: 500,
        detail: 'an unexpected error occurred; quote the correlation id when reporting it',
        correlationId: 'lambda-request-id',
      });
      expect(route).not.toHaveBeenCalled();
    });

    it('logs an error naming the problem', async () => {
      const { handler, errors } = aPipeline();

      await handler(anSqsBatch, lambdaContext());

      expect(errors).toHaveBeenCalledOnce();
      const [, extra] = errors.mock.calls[0] as [string, { error: Error }];
      expect(extra.error.name).toBe('OrdersConfigError');
      expect(extra.error.message).toContain('not an API Gateway proxy event of payload format 1.0');
    });
  });

  it('fails with 500, not 404, when POST /orders/{id}/ship arrives through a $default route', async () => {
    const event = {
      ...httpApiEvent({ resource: '/orders/{id}/ship', pathParameters: { id: ORDER_ID } }),
      routeKey: '$default',
    };

    const response = await transition.handler(event, lambdaContext());

    expect(response.statusCode).toBe(500);
    expect(bodyOf(response).type).toBe('urn:dynamo-outbox:problem:internal-error');
  });
});
