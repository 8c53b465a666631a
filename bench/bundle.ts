import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateRawSync } from 'node:zlib';
import { type BuildOptions, build } from 'esbuild';

/**
 * Bundles a handler the way `createOutboxFunction` (lib/node-function.ts) has the CDK's
 * `NodejsFunction` bundle it with the local esbuild: ESM, target node24, minified, with a
 * linked source map, `mainFields` module then main, the `createRequire` banner, and the
 * AWS SDK v3 left external (the Lambda runtime provides it). Keep the two in step.
 */

/** The banner of lib/node-function.ts. */
export const BANNER =
  "import { createRequire as __createRequire } from 'module'; const require = __createRequire(import.meta.url);";

/** The esbuild options NodejsFunction derives from the construct's `bundling` props. */
export const CONSTRUCT_BUNDLING: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  minify: true,
  sourcemap: true,
  mainFields: ['module', 'main'],
  banner: { js: BANNER },
  external: ['@aws-sdk/*'],
  logLevel: 'warning',
};

/** What `createOrdersDependencies` creates. */
const ORDERS_CLIENTS = ['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb'];
/** What `createOutboxDelivery` creates. */
const DELIVERY_CLIENTS = [
  '@aws-sdk/client-dynamodb',
  '@aws-sdk/lib-dynamodb',
  '@aws-sdk/client-eventbridge',
  '@aws-sdk/client-sqs',
];

/** The project's Lambdas, by their `handler` path relative to `lambdas/` (as lib/ names them). */
export const LAMBDAS: readonly {
  readonly name: string;
  readonly handler: string;
  /** The SDK clients its module scope creates (read from its code). */
  readonly creates: readonly string[];
}[] = [
  { name: 'create-order', handler: 'orders/handlers/create-order.ts', creates: ORDERS_CLIENTS },
  { name: 'get-order', handler: 'orders/handlers/get-order.ts', creates: ORDERS_CLIENTS },
  {
    name: 'transition-order',
    handler: 'orders/handlers/transition-order.ts',
    creates: ORDERS_CLIENTS,
  },
  { name: 'cancel-order', handler: 'orders/handlers/cancel-order.ts', creates: ORDERS_CLIENTS },
  { name: 'relay', handler: 'relay/handler.ts', creates: DELIVERY_CLIENTS },
  { name: 'sweeper', handler: 'sweeper/handler.ts', creates: DELIVERY_CLIENTS },
];

/** Where the repository's `lambdas/` folder is. */
export const lambdaEntry = (handler: string): string =>
  fileURLToPath(new URL(`../lambdas/${handler}`, import.meta.url));

/** A bundle on disk and what it weighs. */
export interface Bundle {
  readonly file: string;
  readonly jsBytes: number;
  readonly mapBytes: number;
  /** Deflate (level 9) of the script and its map: about what the asset zip holds. */
  readonly zippedBytes: number;
  /** The external AWS SDK packages the bundle imports at init (a dynamic `import()` loads on first use). */
  readonly externals: readonly string[];
  /** Minified bytes in the script by origin (a package, or the project's own code), largest first. */
  readonly composition: readonly { readonly origin: string; readonly bytes: number }[];
}

/** `node_modules/@scope/name/…` → `@scope/name`; anything else is the project's code. */
function originOf(input: string): string {
  const at = input.lastIndexOf('node_modules/');
  if (at === -1) return 'project code';
  const [first = '', second = ''] = input.slice(at + 'node_modules/'.length).split('/');
  return first.startsWith('@') ? `${first}/${second}` : first;
}

/** Bundles `entry` into `outDir/index.mjs` (plus `index.mjs.map`). */
export async function bundle(entry: string, outDir: string): Promise<Bundle> {
  await mkdir(outDir, { recursive: true });
  const file = join(outDir, 'index.mjs');
  const result = await build({
    ...CONSTRUCT_BUNDLING,
    entryPoints: [entry],
    outfile: file,
    metafile: true,
  });
  const externals = new Set<string>();
  const origins = new Map<string, number>();
  for (const output of Object.values(result.metafile.outputs)) {
    // What init loads: a dynamic import() is loaded on first use, not at cold start.
    for (const imported of output.imports)
      if (
        imported.external &&
        imported.kind !== 'dynamic-import' &&
        imported.path.startsWith('@aws-sdk/')
      )
        externals.add(imported.path.split('/').slice(0, 2).join('/'));
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs))
      origins.set(originOf(input), (origins.get(originOf(input)) ?? 0) + bytesInOutput);
  }
  const [js, map] = await Promise.all([readFile(file), readFile(`${file}.map`)]);
  return {
    file,
    jsBytes: (await stat(file)).size,
    mapBytes: map.length,
    zippedBytes: deflateRawSync(js, { level: 9 }).length + deflateRawSync(map, { level: 9 }).length,
    externals: [...externals].sort(),
    composition: [...origins]
      .map(([origin, bytes]) => ({ origin, bytes }))
      .sort((a, b) => b.bytes - a.bytes),
  };
}

/** How a bare handler creates each SDK package's client at module scope, as ours do. */
const CLIENTS: Readonly<Record<string, (m: string, dynamo: string) => string>> = {
  '@aws-sdk/client-dynamodb': (m) => `new ${m}.DynamoDBClient({})`,
  '@aws-sdk/lib-dynamodb': (m, dynamo) =>
    `${m}.DynamoDBDocumentClient.from(new ${dynamo}.DynamoDBClient({}))`,
  '@aws-sdk/client-eventbridge': (m) => `new ${m}.EventBridgeClient({})`,
  '@aws-sdk/client-sqs': (m) => `new ${m}.SQSClient({})`,
};

/**
 * The source of a bare handler: imports the same SDK packages, creates their clients at
 * module scope, and does nothing else.
 */
export function bareHandlerSource(externals: readonly string[]): string {
  const packages = externals.includes('@aws-sdk/lib-dynamodb')
    ? [...new Set(['@aws-sdk/client-dynamodb', ...externals])]
    : [...externals];
  const dynamo = `m${packages.indexOf('@aws-sdk/client-dynamodb')}`;
  const lines = packages.map((pkg, i) => `import * as m${i} from '${pkg}';`);
  const uses = packages.map(
    (pkg, i) => CLIENTS[pkg]?.(`m${i}`, dynamo) ?? `Object.keys(m${i}).length`,
  );
  lines.push(`export const clients = [${uses.join(', ')}];`);
  lines.push('export const handler = async () => ({ statusCode: 200 });');
  return `${lines.join('\n')}\n`;
}
