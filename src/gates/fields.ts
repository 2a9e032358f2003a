// Spec fields every gate provider shares: its policy, thresholds and canary-vs-baseline comparisons.
import { z } from 'zod';
import { durationAtLeast } from '../config/common.js';
import { JUDGE_NAMES } from './judge/registry.js';
import { parseThreshold } from './judge/threshold.js';

export const threshold = z
  .string()
  .superRefine((text, ctx) => {
    const parsed = parseThreshold(text);
    if ('error' in parsed) ctx.addIssue({ code: 'custom', message: parsed.error });
  })
  .describe('A comparison such as "< 0.01", ">= 0.99", "<= 250" or "between 0 and 0.02".');

/** Fields every gate has, whatever its provider. */
export const gatePolicy = {
  interval: durationAtLeast('1s').default('30s').describe('Time between two measurements during a bake (at least 1s).'),
  count: z.int().min(1).optional().describe('Measurements per stage; the bake lasts at least count × interval.'),
  failureLimit: z.int().min(0).default(0).describe('Failed measurements tolerated over the rollout; one more rolls back.'),
  inconclusiveLimit: z
    .int()
    .min(0)
    .default(3)
    .describe('Inconclusive measurements tolerated in a stage; one more pauses (or rolls back, see onInconclusive).'),
  consecutiveErrorLimit: z.int().min(0).default(4).describe('Measurement errors in a row tolerated; one more rolls back.'),
  noData: z.enum(['fail', 'inconclusive', 'pass']).default('inconclusive').describe('Verdict of a measurement that found no data.'),
  onInconclusive: z.enum(['pause', 'rollback']).default('pause').describe('What passing inconclusiveLimit does.'),
};

/** A canary-vs-baseline comparison judged statistically (see src/gates/judge/). */
export const compare = z.strictObject({
  canary: z.string().min(1).describe('Query for the canary sample.'),
  baseline: z.string().min(1).describe('Query for the baseline sample.'),
  judge: z.enum(JUDGE_NAMES).default('mann-whitney').describe('The judge of the comparison (src/gates/judge/registry.ts).'),
  direction: z.enum(['increase', 'decrease', 'either']).default('increase').describe('Which change is a regression.'),
  tolerance: z
    .string({ error: 'expected a percentage such as "10%"' })
    .regex(/^\d+(\.\d+)?%$/, { error: 'expected a percentage such as "10%"' })
    .default('10%')
    .describe(
      'Relative change tolerated before it counts as a regression, so that volume alone never makes a trivial difference a rollback.',
    ),
  alpha: z.number().gt(0).lt(0.5).default(0.05).describe('False-alarm rate of the judge.'),
  minSamples: z.int().min(1).default(10).describe('Fewer samples on either side is inconclusive.'),
});
