import { Agent, METHODS, request } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ZodMiniType } from 'zod/mini';
import { MAX_BODY_BYTES } from '../../lambdas/orders/http/request.js';
import {
  cancelOrderBodySchema,
  createOrderBodySchema,
  matchRoute,
  ORDER_ROUTES,
} from '../../lambdas/orders/index.js';
import { emptyBodySchema } from '../../lambdas/orders/order.js';
import { ANONYMOUS_CALLER, LOCAL_CALLER_HEADER } from '../../local/api-server.js';
import type { LocalRuntime } from '../../local/runtime.js';
import {
  busEvents,
  call,
  orderBody,
  startTestRuntime,
  tableItemCounts,
  waitForEvents,
  waitUntilQuiet,
} from '../helpers/local-runtime.js';
import { aCreateBody, insertAt, unsafeCharacter } from '../helpers/orders-fixtures.js';

// Property-based fuzzing of the Orders API over real HTTP, against the local runtime
// (DynamoDB Local behind it). Every generated request is invalid by construction (or
// checked against the API's own zod schemas); the properties: a 4xx in RFC 9457 form,
// and nothing written, neither to the tables nor to the bus.

/** An HTTP request to send to the local API, and the status it must get (if known). */
interface Probe {
  readonly method: string;
  /** The request target as sent on the wire (visible ASCII only). */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Uint8Array | string;
  /** The exact status the API must answer; undefined: any 4xx. */
  readonly expected?: number;
}

interface Answer {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly allow: string | undefined;
  readonly text: string;
}

interface Snapshot {
  readonly orders: number;
  readonly outbox: number;
  readonly events: number;
}

/** Orders the fuzzing targets: each status a transition can meet. */
interface Fixtures {
  readonly pending: string;
  readonly cancelled: string;
  readonly shipped: string;
}

const JSON_TYPE = { 'content-type': 'application/json' } as const;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** API Gateway's payload limit, which the local gateway enforces before any Lambda. */
const GATEWAY_LIMIT_BYTES = 10 * 1024 * 1024;

let runtime: LocalRuntime;
let fixtures: Fixtures;
let baseline: Snapshot;
const agent = new Agent({ keepAlive: true, maxSockets: 4 });
const stats = { requests: 0, serverErrors: 0 };

beforeAll(async () => {
  runtime = await startTestRuntime();
  fixtures = await createFixtures();
  baseline = await snapshot();
}, 60_000);

afterAll(async () => {
  try {
    if (runtime !== undefined && baseline !== undefined) {
      await waitUntilQuiet(runtime, 500);
      const now = await snapshot();
      const writes = (['orders', 'outbox', 'events'] as const).reduce(
        (sum, what) => sum + Math.abs(now[what] - baseline[what]),
        0,
      );
      process.stdout.write(
        `\napi fuzz: ${stats.requests} requests, ${stats.serverErrors} server errors, ${writes} writes\n`,
      );
    }
  } finally {
    agent.destroy();
    await runtime?.stop();
  }
}, 30_000);

// ---------------------------------------------------------------------------------------
// Sending, checking, counting
// ---------------------------------------------------------------------------------------

/** Sends a probe with `node:http`, which leaves paths, header bytes and bodies as given. */
function send(probe: Probe): Promise<Answer> {
  const { hostname, port } = new URL(runtime.apiUrl);
  const body =
    probe.body === undefined
      ? undefined
      : typeof probe.body === 'string'
        ? Buffer.from(probe.body, 'utf8')
        : Buffer.from(probe.body);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        agent,
        hostname,
        port,
        method: probe.method,
        path: probe.path,
        headers: {
          ...(body === undefined ? {} : { 'content-length': String(body.length) }),
          ...probe.headers,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            contentType: response.headers['content-type'],
            allow: response.headers.allow,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

const isProbe = (probe: Probe | undefined): probe is Probe => probe !== undefined;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Sends the probe and checks the answer is the expected 4xx, in problem+json. */
async function expectRejected(probe: Probe): Promise<Answer> {
  const answer = await send(probe);
  stats.requests++;
  if (answer.status >= 500) stats.serverErrors++;
  const what = `${probe.method} ${probe.path.slice(0, 120)} → ${answer.status} ${answer.text.slice(0, 300)}`;
  expect(answer.status, what).toBeGreaterThanOrEqual(400);
  expect(answer.status, what).toBeLessThan(500);
  if (probe.expected !== undefined) expect(answer.status, what).toBe(probe.expected);
  expect(answer.contentType, what).toBe('application/problem+json');
  const problem: unknown = JSON.parse(answer.text);
  expect(isRecord(problem), what).toBe(true);
  expect(problem, what).toMatchObject({
    status: answer.status,
    title: expect.any(String),
    detail: expect.any(String),
  });
  return answer;
}

async function snapshot(): Promise<Snapshot> {
  const counts = await tableItemCounts(runtime);
  return { ...counts, events: (await busEvents(runtime)).length };
}

/** Nothing was written since the fixtures: no order, no outbox record, no event. */
async function expectNothingWritten(): Promise<void> {
  expect(await snapshot()).toEqual(baseline);
}

/** Runs a property over probes, then checks that none of them wrote anything. */
async function fuzz(probes: fc.Arbitrary<Probe>, numRuns: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(probes, async (probe) => {
      await expectRejected(probe);
    }),
    { numRuns },
  );
  await expectNothingWritten();
}

/** One order per status a transition can meet: PENDING, CANCELLED, SHIPPED. */
async function createFixtures(): Promise<Fixtures> {
  const create = async () => (await call(runtime, 'POST', '/orders', orderBody('fuzz'))).body;
  const [pending, cancelled, shipped] = await Promise.all([create(), create(), create()]);
  const ids = [pending, cancelled, shipped].map((order) => order?.id);
  const [pendingId, cancelledId, shippedId] = ids;
  if (
    typeof pendingId !== 'string' ||
    typeof cancelledId !== 'string' ||
    typeof shippedId !== 'string'
  ) {
    throw new Error(`could not create the fixture orders: ${JSON.stringify(ids)}`);
  }
  await call(runtime, 'POST', `/orders/${cancelledId}/cancel`, { reason: 'fuzz' });
  await call(runtime, 'POST', `/orders/${shippedId}/confirm`);
  await call(runtime, 'POST', `/orders/${shippedId}/ship`);
  const states = await Promise.all(
    [pendingId, cancelledId, shippedId].map(
      async (id) => (await call(runtime, 'GET', `/orders/${id}`)).body.status,
    ),
  );
  if (states.join() !== 'PENDING,CANCELLED,SHIPPED') {
    throw new Error(`the fixture orders are ${states.join()}`);
  }
  await waitForEvents(runtime, (events) => events.length >= 6);
  await waitUntilQuiet(runtime, 500);
  return { pending: pendingId, cancelled: cancelledId, shipped: shippedId };
}

// ---------------------------------------------------------------------------------------
// What the API must answer, from its documented contract
// ---------------------------------------------------------------------------------------

/** A body endpoint, with the schema its body must satisfy. */
interface BodyTarget {
  readonly path: string;
  readonly schema: ZodMiniType;
  readonly required: boolean;
}

/**
 * The status a JSON body gets (sent as `application/json`), or `accepted` when the body
 * is valid: 413 above 64 KB; 400 when not UTF-8 (a leading BOM is dropped), not JSON, or
 * not of the schema; an absent body is `{}` unless required.
 */
function bodyVerdict(bytes: Uint8Array, target: BodyTarget): number | 'accepted' {
  if (bytes.length > MAX_BODY_BYTES) return 413;
  if (bytes.length === 0) return target.required ? 400 : 'accepted';
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return 400;
  }
  return target.schema.safeParse(value).success ? 'accepted' : 400;
}

/** The status a bodiless request to `path` gets from the gateway's routing and the id check. */
function routeVerdict(method: string, path: string): number {
  const pathname = serverPathname(path);
  const match = matchRoute(ORDER_ROUTES, method, pathname);
  if (match.kind === 'not-found') return 404;
  if (match.kind === 'method-not-allowed') return 405;
  const id = match.pathParameters.id;
  if (id === undefined) return 400; // POST /orders without a body
  return UUID_PATTERN.test(id) ? 404 : 400;
}

/** The path the gateway routes by: the request target read as a path (origin-form). */
const serverPathname = (target: string) => new URL(`http://localhost${target}`).pathname;

const bodyTargets = (): fc.Arbitrary<BodyTarget> =>
  fc.constantFrom<BodyTarget>(
    { path: '/orders', schema: createOrderBodySchema, required: true },
    { path: `/orders/${fixtures.pending}/cancel`, schema: cancelOrderBodySchema, required: false },
    { path: `/orders/${fixtures.pending}/confirm`, schema: emptyBodySchema, required: false },
  );

/** JSON Content-Types the API accepts, so that only the body decides. */
const jsonContentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'Application/JSON;charset="UTF-8"',
  'application/problem+json',
);

/** Sends `body` to a body endpoint; skips it (fc.pre) if it happens to be valid. */
const bodyProbes = (bodies: fc.Arbitrary<Uint8Array | string>): fc.Arbitrary<Probe> =>
  fc
    .record({ target: bodyTargets(), body: bodies, contentType: jsonContentType })
    .map(({ target, body, contentType }): Probe | undefined => {
      const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
      const verdict = bodyVerdict(bytes, target);
      return verdict === 'accepted'
        ? undefined
        : {
            method: 'POST',
            path: target.path,
            headers: { 'content-type': contentType },
            body,
            expected: verdict,
          };
    })
    .filter(isProbe);

// ---------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------

const createFields = ['customerId', 'items', 'currency'] as const;
const lineFields = ['sku', 'quantity', 'unitPrice'] as const;

/** Strings to break text fields with: unicode of every kind, lone surrogates included. */
const unicodeString = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc
    .array(
      fc.constantFrom(
        '\ud800',
        '\udbff',
        '\udc00',
        '\udfff',
        '😀',
        '👩‍👩‍👧‍👦',
        '\u202e',
        '\u200f',
        'עברית',
        'العربية',
        '\u0000',
        '\ufeff',
        '\uffff',
        'e\u0301',
        '𝕏',
        'a',
      ),
      { minLength: 1, maxLength: 12 },
    )
    .map((parts) => parts.join('')),
);

/** Any JSON value, of every type. */
const anyJson = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  unicodeString,
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(null, true, false, 0, -1, 1.5, 1e21, -0, '', [], {}),
);

/** A create body with one field set to a value of any type (wrong ones, mostly). */
const createBodyWithAnyField = fc.oneof(
  fc
    .record({ field: fc.constantFrom(...createFields), value: anyJson })
    .map(({ field, value }) => aCreateBody({ [field]: value })),
  fc
    .record({ field: fc.constantFrom(...lineFields), value: anyJson })
    .map(({ field, value }) =>
      aCreateBody({ items: [{ sku: 'A', quantity: 1, unitPrice: 1, [field]: value }] }),
    ),
  fc.record({ field: fc.constantFrom(...createFields), value: anyJson }).map(({ field, value }) => {
    const { [field]: _dropped, ...rest } = aCreateBody();
    return { ...rest, [`${field}_`]: value };
  }),
  fc
    .record({
      key: fc.oneof(unicodeString, fc.constantFrom('__proto__', 'constructor', 'prototype')),
      value: anyJson,
    })
    .map(({ key, value }) => ({ ...aCreateBody(), [key]: value })),
  fc.record({ reason: anyJson }),
  fc.array(anyJson, { maxLength: 3 }).map((items) => aCreateBody({ items })),
  fc.integer({ min: 101, max: 130 }).map((n) =>
    aCreateBody({
      items: Array.from({ length: n }, (_, i) => ({ sku: `S${i}`, quantity: 1, unitPrice: 1 })),
    }),
  ),
);

/** A raw JSON string literal built from escapes, lone surrogates and control escapes included. */
const rawJsonString = fc
  .array(
    fc.constantFrom(
      '\\ud800',
      '\\udfff',
      '\\udc00\\ud800',
      '\\ud83d\\ude00',
      '\\u0000',
      '\\u202e',
      '\\u200f',
      '\\ufeff',
      'a',
      '\\"',
      '\\\\',
      '\\/',
      '\\b',
      '\\n',
      'é',
      '😀',
      'ש',
    ),
    { minLength: 0, maxLength: 10 },
  )
  .map((parts) => `"${parts.join('')}"`);

const unicodeBodies = fc.oneof(
  fc
    .record({ field: fc.constantFrom(...createFields, 'reason'), value: unicodeString })
    .map(({ field, value }) => JSON.stringify(aCreateBody({ [field]: value }))),
  fc
    .record({ field: fc.constantFrom(...lineFields), value: unicodeString })
    .map(({ field, value }) =>
      JSON.stringify(
        aCreateBody({ items: [{ sku: 'A', quantity: 1, unitPrice: 1, [field]: value }] }),
      ),
    ),
  fc
    .tuple(rawJsonString, rawJsonString, rawJsonString)
    .map(
      ([customerId, sku, currency]) =>
        `{"customerId":${customerId},"items":[{"sku":${sku},"quantity":1,"unitPrice":1}],"currency":${currency}}`,
    ),
  rawJsonString.map((reason) => `{"reason":${reason}}`),
  rawJsonString.map((key) => `{${key}:1}`),
  unicodeString.map((text) => JSON.stringify(text)),
);

/** A valid create body's JSON, broken: truncated, a character changed, or a JSON extension. */
const malformedJson = fc.oneof(
  fc
    .record({ cut: fc.nat(), text: fc.constant(JSON.stringify(aCreateBody())) })
    .map(({ cut, text }) => text.slice(0, cut % text.length)),
  fc
    .record({
      at: fc.nat(),
      char: fc.oneof(
        fc.constantFrom(',', '{', '}', '[', ']', '"', ':', "'", '\\', '\u0000', '\n', 'x'),
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 2 }),
      ),
      replace: fc.boolean(),
    })
    .map(({ at, char, replace }) => {
      const text = JSON.stringify(aCreateBody());
      const i = at % text.length;
      return text.slice(0, i) + char + text.slice(replace ? i + 1 : i);
    }),
  fc.constantFrom(
    '{"customerId":"c-1","items":[{"sku":"A","quantity":1,"unitPrice":1},],"currency":"EUR"}',
    "{'customerId':'c-1','items':[{'sku':'A','quantity':1,'unitPrice':1}]}",
    '{"customerId":"c-1","items":[{"sku":"A","quantity":NaN,"unitPrice":1}]}',
    '{"customerId":"c-1","items":[{"sku":"A","quantity":Infinity,"unitPrice":1}]}',
    '{"customerId":"c-1","items":[{"sku":"A","quantity":0x10,"unitPrice":1}]}',
    '{"customerId":"c-1","items":[{"sku":"A","quantity":01,"unitPrice":1}]}',
    '{"customerId":"c-1","items":[{"sku":"A","quantity":+1,"unitPrice":1}]}',
    '{"customerId":"c-1" /* comment */,"items":[{"sku":"A","quantity":1,"unitPrice":1}]}',
    '{"customerId":"c\u0001","items":[{"sku":"A","quantity":1,"unitPrice":1}]}',
    '{"customerId":"c\\x41","items":[{"sku":"A","quantity":1,"unitPrice":1}]}',
    '{"customerId":"c\\u12","items":[{"sku":"A","quantity":1,"unitPrice":1}]}',
    '{"customerId":undefined,"items":[]}',
    '{"customerId":"c-1","items":[{"sku":"A","quantity":1,"unitPrice":1}]}{}',
    '{"customerId":"c-1","customerId":1,"items":[{"sku":"A","quantity":1,"unitPrice":1}]}',
    '{"reason":"a","reason":2}',
    '{"reason":}',
    'null',
    '""',
    '\ufeff\ufeff{}',
    ' ',
    '{',
  ),
);

/** Bytes that are not valid UTF-8 (or are UTF-16), around a valid body. */
const invalidUtf8 = fc.constantFrom(
  [0xff],
  [0xfe],
  [0x80],
  [0xc0, 0xaf],
  [0xe0, 0x80, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xe2, 0x82],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
);
const nonUtf8Bodies = fc.oneof(
  fc.record({ at: fc.nat(), bad: invalidUtf8 }).map(({ at, bad }) => {
    const bytes = Buffer.from(JSON.stringify(aCreateBody()), 'utf8');
    const i = at % (bytes.length + 1);
    return new Uint8Array(
      Buffer.concat([bytes.subarray(0, i), Buffer.from(bad), bytes.subarray(i)]),
    );
  }),
  fc.uint8Array({ minLength: 1, maxLength: 200 }),
  fc.constantFrom(
    new Uint8Array(Buffer.from(JSON.stringify(aCreateBody({ customerId: 'José' })), 'latin1')),
    new Uint8Array(Buffer.from(`\ufeff${JSON.stringify(aCreateBody())}`, 'utf16le')),
    new Uint8Array(Buffer.from(JSON.stringify(aCreateBody()), 'utf16le')),
  ),
);

/** Bodies of 60..100 KB: huge strings in a field, or a valid body padded past 64 KB. */
const hugeBodies = fc.oneof(
  fc
    .record({
      field: fc.constantFrom(...createFields, 'reason', 'key'),
      unit: fc.constantFrom('x', 'é', '😀', '\\u0000', ' ', '\\ud800'),
      length: fc.integer({ min: 15_000, max: 100_000 }),
    })
    .map(({ field, unit, length }) => {
      const huge = `"${unit.repeat(Math.ceil(length / unit.length))}"`;
      return field === 'key'
        ? `{${huge}:1}`
        : JSON.stringify(aCreateBody({ [field]: '@' })).replace('"@"', huge);
    }),
  fc
    .record({
      extra: fc.integer({ min: 1, max: 36_000 }),
      where: fc.constantFrom('before', 'after'),
    })
    .map(({ extra, where }) => {
      const text = JSON.stringify(aCreateBody());
      const pad = ' '.repeat(MAX_BODY_BYTES - text.length + extra);
      return where === 'before' ? pad + text : text + pad;
    }),
  fc
    .integer({ min: MAX_BODY_BYTES + 1, max: 100_000 })
    .map((length) => JSON.stringify({ reason: 'r'.repeat(length) })),
);

/** Thousands of levels of nesting, alone or in a field, balanced or not. */
const deepBodies = fc
  .record({
    depth: fc.integer({ min: 1_000, max: 60_000 }),
    kind: fc.constantFrom('array', 'object'),
    where: fc.constantFrom('top', 'customerId', 'items', 'reason', 'unbalanced'),
  })
  .map(({ depth, kind, where }) => {
    const levels = kind === 'array' ? depth : Math.floor(depth / 5);
    const open = kind === 'array' ? '['.repeat(levels) : '{"a":'.repeat(levels);
    const close = kind === 'array' ? ']'.repeat(levels) : '}'.repeat(levels);
    const deep = kind === 'array' ? open + close : `${open}1${close}`;
    if (where === 'top') return deep;
    if (where === 'unbalanced') return open;
    if (where === 'reason') return `{"reason":${deep}}`;
    return JSON.stringify(aCreateBody({ [where]: '@' })).replace('"@"', deep);
  });

/** Header text as it travels: visible ASCII, spaces, tabs, Latin-1 bytes, UTF-8 bytes. */
const visibleAscii = fc.string({
  unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
  minLength: 1,
  maxLength: 20,
});
/**
 * Unicode as its UTF-8 bytes on the wire. Control characters are dropped: Node's HTTP
 * client refuses to send them (and its server would refuse them before the API).
 */
const utf8AsLatin1 = (text: string) =>
  Buffer.from(text, 'utf8')
    .toString('latin1')
    .replace(/[^\t\x20-\x7e\x80-\xff]/g, '');
const nonVisible = fc.oneof(
  fc.constantFrom(' ', '\t', ' \t '),
  fc.integer({ min: 0x80, max: 0xff }).map((c) => String.fromCharCode(c)),
  unicodeString.map(utf8AsLatin1).filter((s) => /[^\x21-\x7e]/.test(s)),
);
/** A header value that is not 1..max visible ASCII characters, once OWS is trimmed. */
const notVisibleAscii = (max: number) =>
  fc.oneof(
    fc.constantFrom('', ' ', '\t'),
    fc.tuple(visibleAscii, nonVisible, visibleAscii).map(([a, b, c]) => a + b + c),
    fc.integer({ min: max + 1, max: 4_000 }).map((n) => 'k'.repeat(n)),
    fc
      .tuple(visibleAscii, fc.integer({ min: max + 1, max: 4_000 }))
      .map(([a, n]) => a.repeat(Math.ceil(n / a.length)).slice(0, n)),
  );

/** An entity tag the API cannot read: unquoted, half-quoted, lower-case `w/`, bad bytes. */
const brokenEntityTag = fc.oneof(
  fc.constantFrom('1', '"1', '1"', 'W/1', 'w/"1"', '"a b"', '"a"b"', '""1""', '', '* *', "'1'"),
  fc.integer({ min: 0, max: 99 }).map(String),
  fc.tuple(visibleAscii, nonVisible).map(([a, b]) => `"${a}${b}"`),
  visibleAscii.filter((t) => !/^(W\/)?"[\x21\x23-\x7e]*"$/.test(t) && t !== '*'),
);
const validEntityTag = fc.oneof(
  fc.integer({ min: 0, max: 99 }).map((n) => `"${n}"`),
  fc.constantFrom('W/"1"', '""', '"abc"', '*'),
);
const brokenIfMatch = fc
  .tuple(fc.array(validEntityTag, { maxLength: 3 }), brokenEntityTag, fc.nat())
  .map(([valid, broken, at]) => {
    const tags = [...valid];
    tags.splice(at % (tags.length + 1), 0, broken);
    return tags.join(', ');
  })
  .filter((value) => value.trim() !== '*' && value.trim() !== '');

/** Content-Types that are not JSON in UTF-8. */
const badContentType = fc.oneof(
  fc.constantFrom(
    '',
    'text/plain',
    'text/json',
    'text/plain; charset=utf-8',
    'application/xml',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/jsonp',
    'application/json-patch',
    'application/javascript',
    'application/octet-stream',
    'json',
    'application',
    '*/*',
    'application/*',
    'application/ json',
    'application/json+xml',
    'application/+json',
    'application/json, text/plain',
    'application/json\u00e9',
  ),
  fc
    .record({
      type: fc.constantFrom('application/json', 'application/problem+json', 'APPLICATION/JSON'),
      charset: fc.constantFrom(
        'utf-16',
        'UTF-16LE',
        'iso-8859-1',
        'latin1',
        'us-ascii',
        'utf-7',
        'ucs-2',
        'utf-32',
        'utf_8',
        'utf-8x',
        '',
      ),
      quoted: fc.boolean(),
    })
    .map(({ type, charset, quoted }) => `${type}; charset=${quoted ? `"${charset}"` : charset}`),
  fc
    .string({
      unit: fc
        .oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }))
        .map((c) => String.fromCharCode(c)),
      maxLength: 60,
    })
    .filter((value) => !/json/i.test(value)),
);

/** Percent-encodes every byte of the UTF-8 form (lone surrogates become U+FFFD). */
const percentEncode = (text: string) =>
  [...Buffer.from(text, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

/** Path segments where an order id goes: junk, near-UUIDs, unicode, very long. */
const badIdSegment = fc.oneof(
  fc
    .array(
      fc.constantFrom(
        '%',
        '%2',
        '%zz',
        '%ff',
        '%00',
        '%0A',
        '%2F',
        '%2f',
        '%2e',
        '%2e%2e',
        '%25',
        '%20',
        '%C3%A9',
        '%ed%a0%80',
        '%c0%af',
        '%E2%80%AE',
        '%F0%9F%98%80',
        '%3F',
        '%23',
        'a',
        '-',
        '.',
        '..',
        '~',
        '!',
        '$',
        '&',
        "'",
        '(',
        '*',
        '+',
        ',',
        ';',
        '=',
        ':',
        '@',
        '"',
        '<',
        '{',
        '|',
        '\\',
        '^',
        '`',
        '?',
        '#',
      ),
      { minLength: 1, maxLength: 20 },
    )
    .map((parts) => parts.join('')),
  unicodeString.filter((s) => s.length > 0).map(percentEncode),
  fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 60 }).map(percentEncode),
  fc.integer({ min: 37, max: 6_000 }).map((n) => 'a'.repeat(n)),
  fc
    .record({
      uuid: fc.uuid(),
      at: fc.nat(),
      edit: fc.constantFrom('drop', 'g', 'extra', '%20', '{'),
    })
    .map(({ uuid, at, edit }) => {
      const i = at % uuid.length;
      if (edit === 'drop') return uuid.slice(0, i) + uuid.slice(i + 1);
      if (edit === 'g') return `${uuid.slice(0, i)}g${uuid.slice(i + 1)}`;
      if (edit === 'extra') return `${uuid}0`;
      if (edit === '{') return `{${uuid}}`;
      return `${uuid}%20`;
    }),
  fc.uuid().map((uuid) => uuid.replaceAll('-', '')),
  fc.uuid(),
  fc.uuid().map((uuid) => uuid.toUpperCase()),
);

// ---------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------

describe('the Orders API, fuzzed over HTTP', () => {
  it('answers any JSON value and any wrong type in any field with a 400 problem, writing nothing', async () => {
    const bodies = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
      createBodyWithAnyField.map((value) => JSON.stringify(value)),
    );

    await fuzz(bodyProbes(bodies), 350);
  }, 30_000);

  it('answers unicode (lone surrogates in escapes, emoji, RTL, NUL) in bodies with a 400 problem, writing nothing', async () => {
    await fuzz(bodyProbes(unicodeBodies), 300);
  }, 30_000);

  it('answers malformed JSON and bytes that are not UTF-8 with a 400 problem, writing nothing', async () => {
    await fuzz(bodyProbes(fc.oneof(malformedJson, nonUtf8Bodies)), 300);
  }, 30_000);

  it('answers huge strings and bodies over 64 KB with 400 or 413 problems, writing nothing', async () => {
    await fuzz(bodyProbes(hugeBodies), 80);
  }, 30_000);

  it('answers thousands of levels of nesting with 400 or 413 problems, writing nothing', async () => {
    await fuzz(bodyProbes(deepBodies), 60);
  }, 30_000);

  it('answers a valid body under a Content-Type that is not JSON in UTF-8 with a 415 problem, writing nothing', async () => {
    const probes = fc
      .record({
        target: fc.constantFrom(
          { path: '/orders', body: JSON.stringify(aCreateBody()) },
          { path: `/orders/${fixtures.pending}/cancel`, body: '{"reason":"fuzz"}' },
          { path: `/orders/${fixtures.pending}/confirm`, body: '{}' },
        ),
        contentType: fc.option(badContentType, { nil: undefined }),
      })
      .map(
        ({ target, contentType }): Probe => ({
          method: 'POST',
          path: target.path,
          headers: contentType === undefined ? {} : { 'content-type': contentType },
          body: target.body,
          expected: 415,
        }),
      );

    await fuzz(probes, 200);
  }, 30_000);

  it('answers a malformed Idempotency-Key, If-Match or X-Correlation-Id on a valid request with a 400 problem, writing nothing', async () => {
    const createBody = JSON.stringify(aCreateBody());
    const pending = `/orders/${fixtures.pending}`;
    const probes = fc.oneof(
      notVisibleAscii(255).chain((key) =>
        fc.constantFrom<Probe>(
          {
            method: 'POST',
            path: '/orders',
            headers: { ...JSON_TYPE, 'idempotency-key': key },
            body: createBody,
          },
          { method: 'POST', path: `${pending}/confirm`, headers: { 'idempotency-key': key } },
          {
            method: 'POST',
            path: `${pending}/cancel`,
            headers: { ...JSON_TYPE, 'idempotency-key': key },
            body: '{"reason":"fuzz"}',
          },
        ),
      ),
      brokenIfMatch.chain((ifMatch) =>
        fc.constantFrom<Probe>(
          { method: 'POST', path: `${pending}/confirm`, headers: { 'if-match': ifMatch } },
          { method: 'POST', path: `${pending}/cancel`, headers: { 'if-match': ifMatch } },
        ),
      ),
      notVisibleAscii(128).chain((correlationId) =>
        fc.constantFrom<Probe>(
          {
            method: 'POST',
            path: '/orders',
            headers: { ...JSON_TYPE, 'x-correlation-id': correlationId },
            body: createBody,
          },
          { method: 'GET', path: pending, headers: { 'x-correlation-id': correlationId } },
          {
            method: 'POST',
            path: `${pending}/confirm`,
            headers: { 'x-correlation-id': correlationId },
          },
          {
            method: 'POST',
            path: `${pending}/cancel`,
            headers: { 'x-correlation-id': correlationId },
          },
        ),
      ),
    );

    await fuzz(
      probes.map((probe) => ({ ...probe, expected: 400 })),
      300,
    );
  }, 30_000);

  it('answers ids in paths that are junk, unicode, very long or unknown with 400 or 404 problems, writing nothing', async () => {
    const probes = fc
      .record({
        id: badIdSegment,
        route: fc.constantFrom(
          { method: 'GET', suffix: '' },
          { method: 'POST', suffix: '/confirm' },
          { method: 'POST', suffix: '/ship' },
          { method: 'POST', suffix: '/cancel' },
        ),
      })
      .map(({ id, route }): Probe => {
        const path = `/orders/${id}${route.suffix}`;
        return { method: route.method, path, expected: routeVerdict(route.method, path) };
      })
      .filter((probe) => !isFixturePath(probe.path));

    await fuzz(probes, 300);
  }, 30_000);

  it('answers wrong methods with a 405 problem naming the allowed ones, and unknown routes with a 404 problem', async () => {
    const methods = METHODS.filter((m) => m !== 'HEAD' && m !== 'CONNECT');
    const segment = fc.oneof(
      fc.constantFrom(
        'orders',
        'Orders',
        'ORDERS',
        'confirm',
        'ship',
        'cancel',
        'refund',
        '',
        '.',
        '..',
        '%',
        '[',
        'a:b@',
        ':99999',
        '%2e%2e',
      ),
      fc.uuid(),
      visibleAscii.map(encodeURIComponent),
    );
    const probes = fc
      .record({
        method: fc.constantFrom(...methods),
        segments: fc.array(segment, { maxLength: 5 }),
        query: fc.option(
          visibleAscii.map((q) => `?${encodeURIComponent(q)}=1`),
          { nil: '' },
        ),
        body: fc.option(fc.string({ maxLength: 50 }), { nil: undefined }),
      })
      .map(({ method, segments, query, body }): Probe | undefined => {
        const path = `/${segments.join('/')}${query}`;
        const pathname = serverPathname(path);
        const match = matchRoute(ORDER_ROUTES, method, pathname);
        return match.kind === 'matched'
          ? undefined
          : {
              method,
              path,
              ...(body === undefined ? {} : { body, headers: JSON_TYPE }),
              expected: match.kind === 'method-not-allowed' ? 405 : 404,
            };
      })
      .filter(isProbe);

    await fc.assert(
      fc.asyncProperty(probes, async (probe) => {
        const answer = await expectRejected(probe);
        if (answer.status === 405) {
          const pathname = serverPathname(probe.path);
          const match = matchRoute(ORDER_ROUTES, probe.method, pathname);
          expect(answer.allow).toBe(
            match.kind === 'method-not-allowed' ? match.allowed.join(', ') : '',
          );
        }
      }),
      { numRuns: 300 },
    );
    await expectNothingWritten();
  }, 30_000);

  it('answers any transition of an order that cannot move (cancelled, shipped or unknown) with a 4xx problem, writing nothing', async () => {
    const probes = fc
      .record({
        target: fc.oneof(
          fc.constantFrom(fixtures.cancelled, fixtures.shipped, fixtures.shipped.toUpperCase()),
          fc.uuid(),
        ),
        action: fc.constantFrom('confirm', 'ship', 'cancel'),
        ifMatch: fc.option(
          fc.oneof(validEntityTag, fc.constantFrom('"1"', '"2"', '"3"', '"1", "2", "3"')),
          { nil: undefined },
        ),
        key: fc.option(
          visibleAscii.map((k) => `fuzz-${k}`),
          { nil: undefined },
        ),
        correlationId: fc.option(visibleAscii, { nil: undefined }),
        body: fc.option(
          fc.oneof(
            fc.constantFrom('{}', '{"reason":"fuzz"}', '{"reason":"😀"}'),
            fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
          ),
          { nil: undefined },
        ),
      })
      .map(
        ({ target, action, ifMatch, key, correlationId, body }): Probe => ({
          method: 'POST',
          path: `/orders/${target}/${action}`,
          headers: {
            ...(body === undefined ? {} : JSON_TYPE),
            ...(ifMatch === undefined ? {} : { 'if-match': ifMatch }),
            ...(key === undefined ? {} : { 'idempotency-key': key }),
            ...(correlationId === undefined ? {} : { 'x-correlation-id': correlationId }),
          },
          ...(body === undefined ? {} : { body }),
        }),
      );

    await fuzz(probes, 250);
  }, 30_000);

  it('answers control and bidirectional formatting characters in an id, customerId, sku or reason with a 400 problem naming the field, writing nothing', async () => {
    const probes = fc
      .record({
        field: fc.constantFrom('id', 'customerId', 'sku', 'reason'),
        character: unsafeCharacter,
        at: fc.nat(),
        action: fc.constantFrom('', '/confirm', '/ship', '/cancel'),
      })
      .map(({ field, character, at, action }): Probe & { readonly names: string } => {
        const unsafe = (text: string) => insertAt(text, character, at);
        switch (field) {
          case 'id': {
            const id = unsafe(fixtures.pending).replace(character, encodeURIComponent(character));
            return {
              method: action === '' ? 'GET' : 'POST',
              path: `/orders/${id}${action}`,
              expected: 400,
              names: 'path parameter id',
            };
          }
          case 'reason':
            return {
              method: 'POST',
              path: `/orders/${fixtures.pending}/cancel`,
              headers: JSON_TYPE,
              body: JSON.stringify({ reason: unsafe('fuzz') }),
              expected: 400,
              names: '/reason',
            };
          case 'sku':
            return {
              method: 'POST',
              path: '/orders',
              headers: JSON_TYPE,
              body: JSON.stringify(
                aCreateBody({ items: [{ sku: unsafe('SKU-1'), quantity: 1, unitPrice: 1 }] }),
              ),
              expected: 400,
              names: '/items/0/sku',
            };
          default:
            return {
              method: 'POST',
              path: '/orders',
              headers: JSON_TYPE,
              body: JSON.stringify(aCreateBody({ customerId: unsafe('fuzz') })),
              expected: 400,
              names: '/customerId',
            };
        }
      });

    await fc.assert(
      fc.asyncProperty(probes, async (probe) => {
        const answer = await expectRejected(probe);
        expect(answer.text, probe.path).toContain(probe.names);
      }),
      { numRuns: 300 },
    );
    await expectNothingWritten();
  }, 30_000);

  it("answers another caller's requests on an order with a 404 problem, as for an unknown id, writing nothing", async () => {
    const probes = fc
      .record({
        caller: fc.oneof(
          fc.constantFrom(ANONYMOUS_CALLER, 'arn:aws:iam::000000000000:user/mallory'),
          fc
            .stringMatching(/^[A-Za-z0-9+=,.@_-]{1,64}$/)
            .map((name) => `arn:aws:sts::000000000000:assumed-role/other/${name}`),
        ),
        target: fc.constantFrom(fixtures.pending, fixtures.cancelled, fixtures.shipped),
        route: fc.constantFrom(
          { method: 'GET', suffix: '' },
          { method: 'POST', suffix: '/confirm' },
          { method: 'POST', suffix: '/ship' },
          { method: 'POST', suffix: '/cancel' },
        ),
      })
      .map(
        ({ caller, target, route }): Probe => ({
          method: route.method,
          path: `/orders/${target}${route.suffix}`,
          headers: { [LOCAL_CALLER_HEADER]: caller },
          expected: 404,
        }),
      );

    await fc.assert(
      fc.asyncProperty(probes, async (probe) => {
        const answer = await expectRejected(probe);
        const id = probe.path.split('/')[2];
        expect(JSON.parse(answer.text)).toMatchObject({
          type: 'urn:dynamo-outbox:problem:not-found',
          detail: `order ${id} does not exist`,
        });
      }),
      { numRuns: 120 },
    );
    await expectNothingWritten();
  }, 30_000);

  it('answers an Idempotency-Key on a request without identity with a 400 problem, writing nothing', async () => {
    const anonymous = { [LOCAL_CALLER_HEADER]: ANONYMOUS_CALLER };
    const probes = visibleAscii.chain((key) =>
      fc.constantFrom<Probe>(
        {
          method: 'POST',
          path: '/orders',
          headers: { ...JSON_TYPE, ...anonymous, 'idempotency-key': key },
          body: JSON.stringify(aCreateBody()),
          expected: 400,
        },
        {
          method: 'POST',
          path: `/orders/${fixtures.pending}/cancel`,
          headers: { ...anonymous, 'idempotency-key': key },
          expected: 400,
        },
      ),
    );

    await fc.assert(
      fc.asyncProperty(probes, async (probe) => {
        const answer = await expectRejected(probe);
        expect(JSON.parse(answer.text)).toMatchObject({
          type: 'urn:dynamo-outbox:problem:identity-required',
        });
      }),
      { numRuns: 60 },
    );
    await expectNothingWritten();
  }, 30_000);

  it('answers a local caller header that names no IAM user or role with a 400 problem, writing nothing', async () => {
    const probes = fc
      .oneof(
        visibleAscii.filter((v) => v !== ANONYMOUS_CALLER && !v.startsWith('arn:')),
        fc.constantFrom(
          'arn:aws:iam::0000:user/short-account',
          'arn:aws:s3:::bucket',
          'arn:aws:iam::000000000000:',
          'Anonymous',
        ),
      )
      .map(
        (caller): Probe => ({
          method: 'GET',
          path: `/orders/${fixtures.pending}`,
          headers: { [LOCAL_CALLER_HEADER]: caller },
          expected: 400,
        }),
      );

    await fuzz(probes, 60);
  }, 30_000);

  it('answers a body over the gateway limit of 10 MB with a 413 problem, writing nothing', async () => {
    const body = Buffer.alloc(GATEWAY_LIMIT_BYTES + 1, 0x20);

    await expectRejected({
      method: 'POST',
      path: '/orders',
      headers: JSON_TYPE,
      body,
      expected: 413,
    });
    await expectNothingWritten();
  }, 30_000);

  it('has written nothing at all once the relay is quiet', async () => {
    await waitUntilQuiet(runtime, 1_000);

    await expectNothingWritten();
    expect(stats.serverErrors).toBe(0);
  }, 30_000);
});

function isFixturePath(path: string): boolean {
  const lower = decodeURIComponentSafe(path).toLowerCase();
  return [fixtures.pending, fixtures.cancelled, fixtures.shipped].some((id) => lower.includes(id));
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
