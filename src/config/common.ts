// Building blocks shared by the spec and the provider files that declare their own fields.
// They import nothing from the providers (config/schema.ts composes those from the registries).
import { z } from 'zod';
import { DURATION_PATTERN } from './duration.js';

export const duration = z
  .string({ error: 'expected a duration such as "30s", "10m" or "1h30m"' })
  .regex(new RegExp(DURATION_PATTERN), { error: 'expected a duration such as "30s", "10m" or "1h30m"' })
  .describe('A duration: a number followed by ms, s, m, h or d; parts may be combined ("1h30m").');

export const envVars = z.record(z.string(), z.string());
