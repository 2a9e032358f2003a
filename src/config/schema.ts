// The rollout spec: the user-facing contract. Field names follow ../shared/DESIGN.md; extend, never rename.
// Each object is strict, so a misspelt key is an error (with a "did you mean" hint from load.ts).
import { z } from 'zod';
import { duration, environmentNameSchema, httpUrl } from './common.js';
import { gateProviders } from '../gates/registry.js';
import { trafficProviders } from '../traffic/registry.js';
import { FLAG_TEMPLATE_VARIABLES } from '../gates/template.js';
import type { migrationsSchema } from '../migrations/settings.js';
import type { alertSchema } from '../report/alerts/index.js';
import type { blueGreenSchema, rollingSchema } from './strategies.js';

export const stageSchema = z.strictObject({
  name: z.string().min(1).max(100).optional(),
  weight: z.int().min(0).max(100).describe('Percent of traffic sent to the canary during this stage.'),
  bake: duration.optional().describe('How long the stage runs, measuring its gates, before the next one.'),
  gates: z.array(z.string()).optional().describe('Names of the gates this stage checks (default: all).'),
  approval: z.boolean().default(false).describe('A reviewer approves before this stage starts.'),
});

/** The most stages a canary may have: each is a router change, a bake and a row in every report. */
export const MAX_STAGES = 100;

const environment = z.union([
  environmentNameSchema,
  z.strictObject({
    name: environmentNameSchema,
    url: httpUrl.optional(),
    production: z
      .boolean()
      .optional()
      .describe('GitHub Deployments: a production environment (default: true when it is named "production").'),
  }),
]);

type TrafficUnion = ReturnType<typeof trafficProviders.union>;
type GateUnion = ReturnType<typeof gateProviders.union>;

/**
 * Sections a spec may leave out load only when it has them: their schemas bring code that a spec
 * without them does not need (the migration rules, the alert channels and node:crypto). A section
 * not loaded stands in as `never`, which only a spec that has the section could meet, and such a
 * spec loads it first (loadSchemaFor); the keys stay, so errors and hints read the same.
 */
const sectionLoaders = {
  blueGreen: async () => (await import('./strategies.js')).blueGreenSchema,
  rolling: async () => (await import('./strategies.js')).rollingSchema,
  migrations: async () => (await import('../migrations/settings.js')).migrationsSchema,
  alerts: async () => (await import('../report/alerts/index.js')).alertSchema,
};
interface Sections {
  blueGreen: typeof blueGreenSchema;
  rolling: typeof rollingSchema;
  migrations: typeof migrationsSchema;
  alerts: typeof alertSchema;
}
type SectionName = keyof Sections;
const SECTION_NAMES = Object.keys(sectionLoaders) as SectionName[];
const loadedSections: Partial<Sections> = {};

/** The sections a spec's data has (`notify.alerts` for alerts), whatever their values. */
function sectionsIn(data: unknown): SectionName[] {
  const notify = field(data, 'notify');
  return SECTION_NAMES.filter((name) => (name === 'alerts' ? hasKey(notify, 'alerts') : hasKey(data, name)));
}

async function loadSections(names: SectionName[]): Promise<void> {
  await Promise.all(
    names.map(async (name) => {
      (loadedSections as Record<SectionName, unknown>)[name] ??= await sectionLoaders[name]();
    }),
  );
}

const buildSpecSchema = (trafficSchema: TrafficUnion, gateSchema: GateUnion, { blueGreen, rolling, migrations, alerts }: Sections) =>
  z
    .strictObject({
      $schema: z.string().optional(),
      version: z.literal(1),
      strategy: z.enum(['canary', 'blue-green', 'rolling']).default('canary'),
      environment: environment.default('production'),
      traffic: trafficSchema,
      stages: z.array(stageSchema).min(1).max(MAX_STAGES).optional().describe('The canary stages (strategy canary).'),
      blueGreen: blueGreen.optional().describe('Strategy blue-green: deploy, pre-switch gates, switch, rollback window, retire.'),
      rolling: rolling.optional().describe('Strategy rolling: a fleet updated in batches with draining.'),
      gates: z
        .record(z.string().regex(/^[A-Za-z0-9][\w.-]*$/, { error: 'gate names are letters, digits, ".", "_" and "-"' }), gateSchema)
        .default({}),
      rollback: z.strictObject({ revert: z.enum(['none', 'pull-request']).default('none') }).default({ revert: 'none' }),
      onDrift: z
        .enum(['pause', 'reapply'])
        .default('pause')
        .describe(
          'When the router is found at a weight Rollgate did not set (someone else changed it): pause and alert (default), or set the stage weight again.',
        ),
      migrations: migrations.optional().describe('The migration safety gate (rollgate lint-migrations).'),
      notify: z
        .strictObject({
          pullRequest: z.boolean().default(true),
          deployment: z.boolean().default(true),
          summary: z.boolean().default(true),
          alerts: z.array(alerts).default([]).describe('Alerts where the team is: Slack, Microsoft Teams, a signed webhook.'),
        })
        .default({ pullRequest: true, deployment: true, summary: true, alerts: [] }),
    })
    .superRefine((spec, ctx) => {
      // Each strategy has its own block, and only that one.
      const blocks = { canary: 'stages', 'blue-green': 'blueGreen', rolling: 'rolling' } as const;
      const own = blocks[spec.strategy];
      if (spec[own] === undefined) {
        ctx.addIssue({ code: 'custom', path: [own], message: `is required (strategy ${spec.strategy})` });
      }
      for (const [strategy, key] of Object.entries(blocks)) {
        if (key !== own && spec[key] !== undefined) {
          ctx.addIssue({ code: 'custom', path: [key], message: `belongs to strategy ${strategy}, but strategy is ${spec.strategy}` });
        }
      }
      const checkGates = (names: string[] | undefined, path: PropertyKey[]) =>
        names?.forEach((name, j) => {
          if (!(name in spec.gates)) {
            const known = Object.keys(spec.gates);
            ctx.addIssue({
              code: 'custom',
              path: [...path, j],
              message: `no gate named "${name}" (gates: ${known.length ? known.join(', ') : 'none defined'})`,
            });
          }
        });
      checkGates(spec.blueGreen?.preSwitchGates, ['blueGreen', 'preSwitchGates']);
      checkGates(spec.blueGreen?.postSwitchGates, ['blueGreen', 'postSwitchGates']);
      checkGates(spec.rolling?.gates, ['rolling', 'gates']);
      // {{flag}} and {{variation}} have a value only when the router is a feature flag.
      if (!('flag' in spec.traffic)) {
        for (const [name, gate] of Object.entries(spec.gates)) {
          const used = FLAG_TEMPLATE_VARIABLES.filter((v) => new RegExp(`\\{\\{\\s*${v}\\s*\\}\\}`).test(JSON.stringify(gate)));
          if (used.length) {
            ctx.addIssue({
              code: 'custom',
              path: ['gates', name],
              message: `uses {{${used.join('}}, {{')}}}, which only a feature-flag traffic provider (flagd, unleash, launchdarkly) gives a value`,
            });
          }
        }
      }
      if (spec.rolling && spec.rolling.surge.length < spec.rolling.maxSurge) {
        ctx.addIssue({
          code: 'custom',
          path: ['rolling', 'maxSurge'],
          message: `needs that many spare servers in rolling.surge (has ${spec.rolling.surge.length})`,
        });
      }

      let previous = -1;
      let full = -1;
      (spec.stages ?? []).forEach((stage, i) => {
        if (full >= 0) {
          ctx.addIssue({ code: 'custom', path: ['stages', i], message: `no stage may follow the 100% stage (stages[${full}])` });
        }
        if (stage.weight < previous) {
          ctx.addIssue({
            code: 'custom',
            path: ['stages', i, 'weight'],
            message: `weights must not decrease (${stage.weight} after ${previous})`,
          });
        }
        if (stage.weight === 100 && full < 0) full = i;
        previous = Math.max(previous, stage.weight);
        checkGates(stage.gates, ['stages', i, 'gates']);
      });
    });

type SpecSchema = ReturnType<typeof buildSpecSchema>;
let built: { traffic: TrafficUnion; gate: GateUnion; sections: string; schema: SpecSchema } | undefined;

/**
 * The spec's schema over the providers and sections loaded so far: a spec validates fully once the
 * providers and sections it has are loaded (loadSchemaFor); loadWholeSchema() for the JSON Schema.
 */
export function specSchema(): SpecSchema {
  const traffic = trafficProviders.union();
  const gate = gateProviders.union();
  const loaded = SECTION_NAMES.filter((name) => loadedSections[name]).join();
  if (built?.traffic !== traffic || built.gate !== gate || built.sections !== loaded) {
    const sections = Object.fromEntries(SECTION_NAMES.map((name) => [name, loadedSections[name] ?? z.never()])) as unknown as Sections;
    built = { traffic, gate, sections: loaded, schema: buildSpecSchema(traffic, gate, sections) };
  }
  return built.schema;
}

const field = (value: unknown, key: string): unknown => (hasKey(value, key) ? (value as Record<string, unknown>)[key] : undefined);
const hasKey = (value: unknown, key: string): boolean =>
  value !== null && typeof value === 'object' && !Array.isArray(value) && Object.hasOwn(value, key);

/** The provider names a spec's data gives: `traffic.provider` and each gate's `provider` (any value, unchecked). */
export function providersNamedIn(data: unknown): { traffic: unknown[]; gates: unknown[] } {
  const gates = field(data, 'gates');
  return {
    traffic: [field(field(data, 'traffic'), 'provider')],
    gates: gates !== null && typeof gates === 'object' ? Object.values(gates).map((gate) => field(gate, 'provider')) : [],
  };
}

/** Loads the providers a spec's data names and the sections it has, so that specSchema() checks their fields. */
export async function loadSchemaFor(data: unknown): Promise<void> {
  const named = providersNamedIn(data);
  await Promise.all([trafficProviders.load(named.traffic), gateProviders.load(named.gates), loadSections(sectionsIn(data))]);
}

/** Whether every provider the data names (and that exists) and every section it has is loaded; names that exist nowhere count as loaded. */
export function schemaLoadedFor(data: unknown): boolean {
  const named = providersNamedIn(data);
  const ready = (registry: typeof trafficProviders | typeof gateProviders, names: unknown[]) =>
    names.every((name) => typeof name !== 'string' || !registry.names.includes(name) || registry.isLoaded(name));
  return (
    ready(trafficProviders, named.traffic) && ready(gateProviders, named.gates) && sectionsIn(data).every((name) => loadedSections[name])
  );
}

/** Loads every provider and section: the whole schema, as the JSON Schema describes it. */
export async function loadWholeSchema(): Promise<void> {
  await Promise.all([trafficProviders.loadAll(), gateProviders.loadAll(), loadSections(SECTION_NAMES)]);
}

export type Spec = z.output<SpecSchema>;
export type SpecInput = z.input<SpecSchema>;
export type Stage = z.output<typeof stageSchema>;
export type { GateSpec } from '../gates/registry.js';
export type { TrafficSpec } from '../traffic/registry.js';

/** The environment name, whether the spec gave a string or { name, url }. */
export function environmentName(spec: Pick<Spec, 'environment'>): string {
  return typeof spec.environment === 'string' ? spec.environment : spec.environment.name;
}

export function environmentUrl(spec: Pick<Spec, 'environment'>): string | undefined {
  return typeof spec.environment === 'string' ? undefined : spec.environment.url;
}

/** Whether the spec marks its environment as production; undefined lets GitHub decide. */
export function environmentIsProduction(spec: Pick<Spec, 'environment'>): boolean | undefined {
  return typeof spec.environment === 'string' ? undefined : spec.environment.production;
}
