import * as z from './zod.js';

/** An integer environment variable within bounds. @internal */
export const intVariable = (min: number, max: number) =>
  z.coerce
    .number()
    .check(
      z.int('must be an integer'),
      z.gte(min, `must be at least ${min}`),
      z.lte(max, `must be at most ${max}`),
    );

/**
 * Validates an environment, naming each missing or bad variable.
 *
 * @returns the parsed values, or the list of problems
 * @internal
 */
export function parseEnvironment<S extends z.core.$ZodType>(
  schema: S,
  env: NodeJS.ProcessEnv,
): { ok: true; value: z.output<S> } | { ok: false; problems: string[] } {
  const parsed = z.safeParse(schema, env);
  if (parsed.success) return { ok: true, value: parsed.data };
  return {
    ok: false,
    // zod leaves the input out of its issues: look the variable up to tell "missing" apart.
    problems: parsed.error.issues.map((i) => {
      const name = i.path.join('.');
      return `${name}: ${i.code === 'invalid_type' && env[name] === undefined ? 'is required' : i.message}`;
    }),
  };
}
