import { readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { classifyNpmView, npmViewVersion } from '../helpers/npm-registry.js';

/**
 * lambdas/eventbridge-v2 exists only because `@aws-sdk/client-eventbridgev2` cannot be
 * installed. This check asks npm every run: the day the package is published, it fails and
 * says what to swap (docs/eventbridge-v2-client.md). An unreachable registry skips it, visibly.
 */

const OFFICIAL = '@aws-sdk/client-eventbridgev2';
const CLIENT_DIR = 'lambdas/eventbridge-v2';

function swapMessage(version: string): string {
  const files = readdirSync(fileURLToPath(new URL(`../../${CLIENT_DIR}`, import.meta.url)))
    .sort()
    .join(', ');
  return (
    `${OFFICIAL}@${version} is on npm: replace ${CLIENT_DIR}/ (${files}) with it — add it to ` +
    `dependencies, import from '${OFFICIAL}' instead of '${CLIENT_DIR}/index.js', delete the folder ` +
    `and test/unit/eventbridge-v2/. See docs/eventbridge-v2-client.md#swapping-in-the-official-client.`
  );
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe(`the official ${OFFICIAL}`, () => {
  it('is still not published, so our minimal client is still needed', async (ctx) => {
    const answer = await npmViewVersion(OFFICIAL, { timeoutMs: 20_000 });

    if (answer.kind === 'unreachable')
      ctx.skip(`the npm registry cannot be reached: ${answer.reason}`);
    if (answer.kind === 'published') expect.fail(swapMessage(answer.version));
    expect(answer).toEqual({ kind: 'absent' });
  }, 30_000);
});

describe("reading npm view's answer", () => {
  it('reads E404 as absent', () => {
    const stdout = JSON.stringify({ error: { code: 'E404', summary: 'Not Found' } });

    expect(classifyNpmView({ exitCode: 1, stdout, stderr: '', timedOut: false })).toEqual({
      kind: 'absent',
    });
  });

  it('reads a version as published (the check then fails)', () => {
    expect(
      classifyNpmView({ exitCode: 0, stdout: '"3.1145.0"\n', stderr: '', timedOut: false }),
    ).toEqual({ kind: 'published', version: '3.1145.0' });
  });

  it.each(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ETIMEDOUT', 'E503'])(
    'reads %s as an unreachable registry',
    (code) => {
      const stderr = `npm error code ${code}\n`;

      expect(classifyNpmView({ exitCode: 1, stdout: '', stderr, timedOut: false })).toMatchObject({
        kind: 'unreachable',
      });
    },
  );

  it('reads a timeout as an unreachable registry', () => {
    expect(
      classifyNpmView({ exitCode: null, stdout: '', stderr: '', timedOut: true }),
    ).toMatchObject({
      kind: 'unreachable',
    });
  });

  it.each([
    [
      'an auth error',
      { exitCode: 1, stdout: '{"error":{"code":"E401"}}', stderr: '', timedOut: false },
    ],
    ['no output', { exitCode: 0, stdout: '', stderr: '', timedOut: false }],
    ['garbage', { exitCode: 1, stdout: 'oops', stderr: '', timedOut: false }],
  ])('fails if %s passes as an answer (it is unexpected)', (_, run) => {
    expect(classifyNpmView(run).kind).toBe('unexpected');
  });

  it("reads npm's own network failure as unreachable (a closed loopback port)", async () => {
    const registry = `http://127.0.0.1:${await closedPort()}/`;

    const answer = await npmViewVersion(OFFICIAL, {
      timeoutMs: 20_000,
      extraArgs: ['--registry', registry, '--fetch-retries=0'],
    });

    expect(answer).toMatchObject({ kind: 'unreachable' });
  }, 30_000);

  it('names every file of the client in the swap message', () => {
    const message = swapMessage('9.9.9');

    for (const file of [
      'client.ts',
      'commands.ts',
      'cbor-wire.ts',
      'endpoint.ts',
      'errors.ts',
      'index.ts',
    ]) {
      expect(message).toContain(file);
    }
  });
});
