import { execFile } from 'node:child_process';

/** What `npm view <name> version --json` said about a package. */
export type RegistryAnswer =
  | { readonly kind: 'absent' }
  | { readonly kind: 'published'; readonly version: string }
  | { readonly kind: 'unreachable'; readonly reason: string }
  | { readonly kind: 'unexpected'; readonly output: string };

/** How `npm view` ended: its exit code (null when killed), its output, whether it timed out. */
export interface NpmViewRun {
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

/** npm's error codes for a registry it could not talk to (network, DNS, proxy, server down). */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'EPIPE',
  'EPROXY',
  'E500',
  'E502',
  'E503',
  'E504',
]);

/** Reads a finished `npm view … version --json`: a version, E404, a network error, or else. */
export function classifyNpmView(run: NpmViewRun): RegistryAnswer {
  if (run.timedOut) return { kind: 'unreachable', reason: 'npm view timed out' };
  const parsed = parseJson(run.stdout);
  if (run.exitCode === 0 && typeof parsed === 'string' && parsed !== '') {
    return { kind: 'published', version: parsed };
  }
  const code = errorCodeOf(parsed) ?? /npm (?:error|ERR!) code (\S+)/.exec(run.stderr)?.[1];
  if (run.exitCode !== 0 && code === 'E404') return { kind: 'absent' };
  if (run.exitCode !== 0 && code !== undefined && UNREACHABLE_CODES.has(code)) {
    return { kind: 'unreachable', reason: `npm view failed with ${code}` };
  }
  return { kind: 'unexpected', output: `exit ${run.exitCode}\n${run.stdout}\n${run.stderr}` };
}

/** Asks the registry for the latest version of `name` (`extraArgs`, e.g. `--registry`, appended). */
export function npmViewVersion(
  name: string,
  options: { readonly timeoutMs: number; readonly extraArgs?: readonly string[] },
): Promise<RegistryAnswer> {
  const args = ['view', name, 'version', '--json', ...(options.extraArgs ?? [])];
  return new Promise((resolve) => {
    execFile('npm', args, { timeout: options.timeoutMs }, (error, stdout, stderr) => {
      const exitCode = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      const timedOut = error?.killed === true;
      if (error && exitCode === null && !timedOut) {
        // npm itself did not run (ENOENT …): not an answer of the registry.
        resolve({ kind: 'unexpected', output: `${error.message}\n${stderr}` });
        return;
      }
      resolve(classifyNpmView({ exitCode, stdout, stderr, timedOut }));
    });
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function errorCodeOf(parsed: unknown): string | undefined {
  if (typeof parsed !== 'object' || parsed === null || !('error' in parsed)) return undefined;
  const { error } = parsed;
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}
