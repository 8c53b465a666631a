import { en } from 'zod/locales';
import { config } from 'zod/mini';

/*
 * The zod every Lambda validates with, imported as `import * as z from './zod.js'`:
 * `zod/mini`, whose functions a bundler drops when unused (classic `zod` puts all of its
 * ~440 KB in every bundle). Unlike classic zod, mini loads no locale, and every message a
 * schema does not spell out (a wrong type, an unknown key) would read "Invalid input":
 * load English, as classic zod does, unless the process has chosen a locale already.
 * Import `en` alone, as `z.locales.en()` would bundle every language (~250 KB), and
 * re-export with `export *`: a namespace object (`export * as z`) would keep all of zod.
 */
if (config().localeError === undefined) config(en());

export * from 'zod/mini';
