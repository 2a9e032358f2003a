// The record schema accepts every plan compilePlan produces (any strategy, any traffic provider the
// docs show) with the states the engine writes, and refuses what Rollgate never writes, naming it.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSpec } from '../../../src/config/load.js';
import { compilePlan } from '../../../src/config/compile.js';
import { parseRecord, UnusableRecordError } from '../../../src/driver/record.js';
import type { Plan } from '../../../src/engine/plan.js';
import { planFrom, THREE_HOURS, world } from '../../harness/sim.js';

const root = new URL('../../../', import.meta.url);
const docs = [
  'README.md',
  ...readdirSync(new URL('docs/', root))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const yamlBlocks = docs.flatMap((file) =>
  [...readFileSync(new URL(file, root), 'utf8').matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => ({ file, text: m[1]! })),
);
/** Whole specs as the docs show them, and every documented traffic block under a canary with an approval and a bake. */
const specs = yamlBlocks.flatMap(({ file, text }) => {
  if (/^version: 1$/m.test(text)) return [{ file, text }];
  const traffic = /^traffic:\n(?: .*\n?)+/m.exec(text)?.[0];
  if (!traffic) return [];
  return [{ file, text: `version: 1\n${traffic.trimEnd()}\nstages: [{ weight: 10, approval: true }, { weight: 50, bake: 5m }]\n` }];
});
const plans = specs.flatMap(({ file, text }) => {
  const parsed = parseSpec(text, file);
  return parsed.ok ? [{ file, provider: (parsed.spec.traffic as { provider: string }).provider, plan: compilePlan(parsed.spec) }] : [];
});
const roundTrip = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;

describe('the record schema', () => {
  it('is met by the docs: every strategy, and the proxy, flag, cloud and Kubernetes providers', () => {
    expect(new Set(plans.map((p) => p.plan.strategy))).toEqual(new Set(['canary', 'blue-green', 'rolling']));
    const providers = new Set(plans.map((p) => p.provider));
    for (const provider of [
      'haproxy',
      'nginx',
      'flagd',
      'unleash',
      'launchdarkly',
      'aws-alb',
      'aws-ecs',
      'aws-lambda',
      'cloud-run',
      'gateway-api',
      'istio',
      'kubernetes-service',
    ])
      expect(providers, provider).toContain(provider);
    expect(plans.some((p) => p.plan.flag)).toBe(true);
  });

  it.each(plans.map((p, i) => [`${p.file} #${i} (${p.provider}, ${p.plan.strategy})`, p.plan] as const))(
    'accepts the plan compiled from %s, with a state the engine wrote',
    async (_name, plan: Plan) => {
      const w = world(plan);
      await w.run();
      const record = w.store.record!;
      expect(parseRecord(roundTrip(record), 'here')).toEqual(roundTrip(record));
    },
  );

  it('refuses a stage that is not what the planner writes, naming the file and the field', async () => {
    const w = world(planFrom(THREE_HOURS));
    await w.run();
    const record = roundTrip(w.store.record) as { plan: Plan; state: unknown };
    const { bakeMs: _gone, ...stage } = record.plan.stages[0]!;
    const plan = { ...record.plan, stages: [stage, ...record.plan.stages.slice(1)] };
    expect(() => parseRecord({ ...record, plan }, 'the state file x.json')).toThrow(UnusableRecordError);
    expect(() => parseRecord({ ...record, plan }, 'the state file x.json')).toThrow(
      /^the state file x\.json: not a valid Rollgate record \(plan\.stages\.0\.bakeMs: /,
    );
  });

  it('refuses keys it does not know, and stages out of order', async () => {
    const w = world(planFrom(THREE_HOURS));
    await w.run();
    const record = roundTrip(w.store.record) as { plan: Plan; state: Record<string, unknown> };
    expect(() => parseRecord({ ...record, state: { ...record.state, approvedStage: 0, trusted: true } }, 'c')).toThrow(
      /state: Unrecognized key/,
    );
    const swapped = { ...record.plan, stages: [...record.plan.stages].reverse() };
    expect(() => parseRecord({ ...record, plan: swapped }, 'c')).toThrow(/stage indexes must be 0, 1, 2/);
  });
});
