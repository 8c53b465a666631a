import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
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

  it('keep the English validation messages once bundled (zod/mini loads no locale itself)', async () => {
    // An entry that validates a bad write the way the writer does, bundled as deployed.
    const entry = join(out, 'messages.ts');
    writeFileSync(
      entry,
      `import { outboxWriteInputSchema } from ${JSON.stringify(lambdaEntry('outbox/write-input.ts'))};
export const messages = () => {
  const result = outboxWriteInputSchema.safeParse({ aggregate: { type: 'Order', id: 7 }, bogus: 1 });
  return result.success ? [] : result.error.issues.map((issue) => issue.message);
};`,
    );
    const { file } = await bundle(entry, join(out, 'messages'));

    const { messages } = (await import(pathToFileURL(file).href)) as { messages: () => string[] };

    expect(messages()).toEqual(
      expect.arrayContaining([
        'Invalid input: expected string, received number',
        'Unrecognized key: "bogus"',
      ]),
    );
  }, 60_000);
});
