// Building blocks shared by the spec and the provider files that declare their own fields.
// They import nothing from the providers (config/schema.ts composes those from the registries).
import { z } from 'zod';
import { DURATION_PATTERN, MAX_DURATION, MAX_DURATION_MS, parseDuration } from './duration.js';

export const duration = z
  .string({ error: 'expected a duration such as "30s", "10m" or "1h30m"' })
  .regex(new RegExp(DURATION_PATTERN), { error: 'expected a duration such as "30s", "10m" or "1h30m"' })
  // A bound keeps every timer within what Node's setTimeout can hold (about 24.8 days).
  .refine((text) => !new RegExp(DURATION_PATTERN).test(text) || parseDuration(text)! <= MAX_DURATION_MS, {
    error: `must be at most ${MAX_DURATION}`,
  })
  .describe(`A duration: a number followed by ms, s, m, h or d; parts may be combined ("1h30m"). At most ${MAX_DURATION}.`);

/** A duration never used as a timer (an age such as a flag's removeAfter, or a value the provider bounds itself): no upper bound here. */
export const unboundedDuration = z
  .string({ error: 'expected a duration such as "30d"' })
  .regex(new RegExp(DURATION_PATTERN), { error: 'expected a duration such as "30d"' })
  .describe('A duration: a number followed by ms, s, m, h or d; parts may be combined ("1h30m").');

/** A duration of at least `min` (e.g. a measurement interval: "1s"). */
export const durationAtLeast = (min: string) =>
  duration.refine((text) => (parseDuration(text) ?? Infinity) >= parseDuration(min)!, { error: `must be at least ${min}` });

// ---------------------------------------------------------------- names and URLs that reach routers, paths, queries

/**
 * Names of versions (stable, canary), rendered into router files, query labels, paths and reports.
 * Letters, digits and . _ - : + @ / only, so no name can end a line, a quoted string or a comment.
 */
export const NAME_PATTERN = /^[A-Za-z0-9][\w.:+@/-]{0,127}$/;
export const versionName = z
  .string()
  .regex(NAME_PATTERN, { error: 'names are letters, digits and . _ - : + @ / (starting with a letter or digit, at most 128)' });

/** Environment names: also a file name (.rollgate/<environment>.json), so no / and no leading dot. */
export const ENVIRONMENT_PATTERN = /^[A-Za-z0-9][\w.-]{0,99}$/;
const ENVIRONMENT_RULE = 'environment names are letters, digits, ".", "_" and "-" (starting with a letter or digit, at most 100)';
export const environmentNameSchema = z.string().regex(ENVIRONMENT_PATTERN, { error: ENVIRONMENT_RULE });

/** Refuses an environment name given outside the spec (CLI flag, action input); undefined when it is fine. */
export function environmentNameProblem(name: string): string | undefined {
  return ENVIRONMENT_PATTERN.test(name) ? undefined : `${ENVIRONMENT_RULE} (got ${JSON.stringify(name.slice(0, 60))})`;
}

/**
 * An http(s) URL without credentials: a URL is printed in logs, reports and comments, so a password in
 * it would be too. `instead` says where this provider's credentials go (environment variables).
 */
export const credentialFreeUrl = (instead: string) =>
  z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }).superRefine((text, ctx) => {
    let url: URL | undefined;
    try {
      url = new URL(text);
    } catch {
      return; // z.url() says what is wrong
    }
    if (url.username || url.password)
      ctx.addIssue({
        code: 'custom',
        message: `must not hold credentials (user:password@): they would be printed wherever the URL is; ${instead}`,
      });
  });

/** A URL of a provider whose credentials go in `auth`. */
export const httpUrl = credentialFreeUrl('use `auth` instead');

export const envVars = z.record(z.string(), z.string());
