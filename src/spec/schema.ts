// The rollout spec: the user-facing contract. Field names follow ../shared/DESIGN.md; extend, never rename.
// Each object is strict, so a misspelt key is an error (with a "did you mean" hint from load.ts).
import { z } from 'zod';
import { DURATION_PATTERN } from './duration.js';
import { parseThreshold } from '../gates/judge/threshold.js';

export const duration = z
  .string()
  .regex(new RegExp(DURATION_PATTERN), { error: 'expected a duration such as "30s", "10m" or "1h30m"' })
  .describe('A duration: a number followed by ms, s, m, h or d; parts may be combined ("1h30m").');

export const threshold = z
  .string()
  .superRefine((text, ctx) => {
    const parsed = parseThreshold(text);
    if ('error' in parsed) ctx.addIssue({ code: 'custom', message: parsed.error });
  })
  .describe('A comparison such as "< 0.01", ">= 0.99", "<= 250" or "between 0 and 0.02".');

const envVars = z.record(z.string(), z.string()).describe('Extra environment variables for the command.');

// ---------------------------------------------------------------- traffic

const commandTraffic = z.strictObject({
  provider: z.literal('command'),
  command: z.string().min(1).describe(
    'Run by `sh -c` to set the canary weight. It gets ROLLGATE_WEIGHT, ROLLGATE_STABLE_WEIGHT, ROLLGATE_STAGE, ' +
      'ROLLGATE_ENVIRONMENT, ROLLGATE_STABLE and ROLLGATE_CANARY as environment variables; nothing is pasted into the string.',
  ),
  verify: z.string().min(1).optional().describe('Optional command that prints the weight in force; checked after each change.'),
  stable: z.string().optional().describe('Name of the stable version, for templates and reports.'),
  canary: z.string().optional().describe('Name of the canary version, for templates and reports.'),
  env: envVars.optional(),
  timeout: duration.default('60s'),
});

const embeddedTraffic = z.strictObject({
  provider: z.literal('embedded'),
  url: z.url().describe('Admin URL of the embedded demo router, e.g. http://127.0.0.1:8080/_rollgate.'),
  stable: z.string().default('stable'),
  canary: z.string().default('canary'),
});

export const trafficSchema = z.discriminatedUnion('provider', [commandTraffic, embeddedTraffic]);

// ---------------------------------------------------------------- gates

const gatePolicy = {
  interval: duration.default('30s').describe('Time between two measurements during a bake.'),
  count: z.int().min(1).optional().describe('Measurements per stage; the bake lasts at least count × interval.'),
  failureLimit: z.int().min(0).default(0).describe('Failed measurements tolerated over the rollout; one more rolls back.'),
  inconclusiveLimit: z.int().min(0).default(3).describe('Inconclusive measurements tolerated in a stage; one more pauses (or rolls back, see onInconclusive).'),
  consecutiveErrorLimit: z.int().min(0).default(4).describe('Measurement errors in a row tolerated; one more rolls back.'),
  noData: z.enum(['fail', 'inconclusive', 'pass']).default('inconclusive').describe('Verdict of a measurement that found no data.'),
  onInconclusive: z.enum(['pause', 'rollback']).default('pause').describe('What passing inconclusiveLimit does.'),
};

const compare = z.strictObject({
  canary: z.string().min(1).describe('Query for the canary sample.'),
  baseline: z.string().min(1).describe('Query for the baseline sample.'),
  judge: z.enum(['mann-whitney', 'sequential']).default('mann-whitney'),
  direction: z.enum(['increase', 'decrease', 'either']).default('increase').describe('Which change is a regression.'),
  tolerance: z.string().regex(/^\d+(\.\d+)?%$/, { error: 'expected a percentage such as "10%"' }).default('0%'),
  alpha: z.number().gt(0).lt(0.5).default(0.05).describe('False-alarm rate of the judge.'),
  minSamples: z.int().min(1).default(10),
});

const prometheusGate = z.strictObject({
  provider: z.literal('prometheus'),
  url: z.url(),
  query: z.string().min(1).optional(),
  threshold: threshold.optional(),
  compare: compare.optional(),
  headers: envVars.optional().describe('Extra HTTP headers; values may be ${ENV_VAR} references.'),
  ...gatePolicy,
});

const httpGate = z.strictObject({
  provider: z.literal('http'),
  url: z.url(),
  method: z.enum(['GET', 'HEAD', 'POST']).default('GET'),
  headers: envVars.optional(),
  requests: z.int().min(1).max(1000).default(5).describe('Probes per measurement.'),
  timeout: duration.default('5s'),
  expect: z
    .strictObject({
      status: z.union([z.int().min(100).max(599), z.array(z.int().min(100).max(599)).min(1)]).default(200),
      maxLatency: duration.optional(),
      json: z
        .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))
        .optional()
        .describe('Fields of the JSON body (dot paths) and the values they must equal.'),
    })
    .default({ status: 200 }),
  threshold: threshold.default('>= 1').describe('Required share of successful probes.'),
  ...gatePolicy,
});

const commandGate = z.strictObject({
  provider: z.literal('command'),
  command: z.string().min(1).describe('Run by `sh -c`; exit 0 passes, or the number it prints is compared with threshold.'),
  threshold: threshold.optional(),
  env: envVars.optional(),
  timeout: duration.default('60s'),
  ...gatePolicy,
});

export const gateSchema = z.discriminatedUnion('provider', [prometheusGate, httpGate, commandGate]);

// ---------------------------------------------------------------- stages and the rest

export const stageSchema = z.strictObject({
  name: z.string().min(1).optional(),
  weight: z.int().min(0).max(100).describe('Percent of traffic sent to the canary during this stage.'),
  bake: duration.optional().describe('How long the stage runs, measuring its gates, before the next one.'),
  gates: z.array(z.string()).optional().describe('Names of the gates this stage checks (default: all).'),
  approval: z.boolean().default(false).describe('A reviewer approves before this stage starts.'),
});

const environment = z.union([
  z.string().min(1),
  z.strictObject({ name: z.string().min(1), url: z.url().optional() }),
]);

export const specSchema = z
  .strictObject({
    $schema: z.string().optional(),
    version: z.literal(1),
    strategy: z.enum(['canary']).default('canary'),
    environment: environment.default('production'),
    traffic: trafficSchema,
    stages: z.array(stageSchema).min(1),
    gates: z.record(z.string().regex(/^[A-Za-z0-9][\w.-]*$/, { error: 'gate names are letters, digits, ".", "_" and "-"' }), gateSchema).default({}),
    rollback: z
      .strictObject({ revert: z.enum(['none', 'pull-request']).default('none') })
      .default({ revert: 'none' }),
    notify: z
      .strictObject({
        pullRequest: z.boolean().default(true),
        deployment: z.boolean().default(true),
        summary: z.boolean().default(true),
      })
      .default({ pullRequest: true, deployment: true, summary: true }),
  })
  .superRefine((spec, ctx) => {
    let previous = -1;
    let full = -1;
    spec.stages.forEach((stage, i) => {
      if (full >= 0) {
        ctx.addIssue({ code: 'custom', path: ['stages', i], message: `no stage may follow the 100% stage (stages[${full}])` });
      }
      if (stage.weight < previous) {
        ctx.addIssue({ code: 'custom', path: ['stages', i, 'weight'], message: `weights must not decrease (${stage.weight} after ${previous})` });
      }
      if (stage.weight === 100 && full < 0) full = i;
      previous = Math.max(previous, stage.weight);
      stage.gates?.forEach((name, j) => {
        if (!(name in spec.gates)) {
          const known = Object.keys(spec.gates);
          ctx.addIssue({
            code: 'custom',
            path: ['stages', i, 'gates', j],
            message: `no gate named "${name}" (gates: ${known.length ? known.join(', ') : 'none defined'})`,
          });
        }
      });
    });
    for (const [name, gate] of Object.entries(spec.gates)) {
      if (gate.provider !== 'prometheus') continue;
      if (!gate.query && !gate.compare) {
        ctx.addIssue({ code: 'custom', path: ['gates', name], message: 'needs either query with threshold, or compare' });
      } else if (gate.query && gate.compare) {
        ctx.addIssue({ code: 'custom', path: ['gates', name, 'compare'], message: 'use either query with threshold, or compare, not both' });
      } else if (gate.query && !gate.threshold) {
        ctx.addIssue({ code: 'custom', path: ['gates', name, 'query'], message: 'a query needs a threshold' });
      }
    }
  });

export type Spec = z.output<typeof specSchema>;
export type SpecInput = z.input<typeof specSchema>;
export type Stage = z.output<typeof stageSchema>;
export type GateSpec = z.output<typeof gateSchema>;
export type TrafficSpec = z.output<typeof trafficSchema>;

/** The environment name, whether the spec gave a string or { name, url }. */
export function environmentName(spec: Pick<Spec, 'environment'>): string {
  return typeof spec.environment === 'string' ? spec.environment : spec.environment.name;
}

export function environmentUrl(spec: Pick<Spec, 'environment'>): string | undefined {
  return typeof spec.environment === 'string' ? undefined : spec.environment.url;
}
