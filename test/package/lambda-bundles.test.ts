import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundle, LAMBDAS, lambdaEntry } from '../../bench/bundle.js';

/**
 * Cold start pays for every module a bundle imports. The AWS SDK is external (the Lambda
 * runtime provides it) so esbuild must keep each SDK import it sees, used or not: a Lambda
 * that reaches a barrel re-exporting the relay's code loads the EventBridge and SQS clients
 * for nothing (36 ms of init, bench section 5b). Each bundle must import only the SDK
 * packages of the clients it creates (and the DynamoDB marshalling utilities).
 */
const out = mkdtempSync(join(tmpdir(), 'outbox-bundles-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('the Lambda bundles', () => {
  it.each(LAMBDAS.map((lambda) => [lambda.name, lambda] as const))(
    '%s imports only the SDK packages of the clients it creates',
    async (name, lambda) => {
      const { externals } = await bundle(lambdaEntry(lambda.handler), join(out, name));

      expect(externals.filter((pkg) => pkg !== '@aws-sdk/util-dynamodb')).toEqual(
        [...lambda.creates].sort(),
      );
    },
    60_000,
  );
});
