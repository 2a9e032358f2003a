// What every flag rollout shares: {{flag}} / {{variation}} in gate templates, and flag hygiene (when a
// flag reached 100 %, and which flags are due for removal from the code).
import { readFileSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseSpec } from '../../../src/config/load.js';
import { compilePlan } from '../../../src/config/compile.js';
import { initialState } from '../../../src/engine/engine.js';
import type { Plan } from '../../../src/engine/plan.js';
import type { RolloutState, TimelineEntry } from '../../../src/engine/types.js';
import { renderTemplate } from '../../../src/gates/template.js';
import { fullSince, removalCandidates } from '../../../src/report/flag-hygiene.js';
import { statusCommand } from '../../../src/cli/commands/status.js';

const DAY = 86_400_000;
const flagSpec = (gates: string) => `version: 1
traffic: { provider: flagd, file: flags.json, flag: new-checkout, variation: "on", stable: "off", removeAfter: 30d }
stages: [{ weight: 5 }, { weight: 100 }]
gates:
${gates}`;
const gate =
  '  errors: { provider: prometheus, url: "http://127.0.0.1:9090", query: "sum(rate(errors{flag=\\"{{flag}}\\",variant=\\"{{variation}}\\"}[1m]))", threshold: "< 1" }';

describe('{{flag}} and {{variation}}', () => {
  it('render the flag key and the variation rolled out', () => {
    const parsed = parseSpec(flagSpec(gate));
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const plan = compilePlan(parsed.spec);
    expect(plan.flag).toEqual({ key: 'new-checkout', variation: 'on', removeAfterMs: 30 * DAY });
    expect([plan.canary, plan.stable]).toEqual(['on', 'off']);
    const rendered = renderTemplate(
      parsed.spec.gates.errors!.provider === 'prometheus' ? (parsed.spec.gates.errors as { query: string }).query : '',
      {
        canary: plan.canary,
        stable: plan.stable,
        baseline: plan.stable,
        weight: 5,
        stage: 1,
        environment: 'production',
        interval: '30s',
        flag: plan.flag!.key,
        variation: plan.flag!.variation,
      },
    );
    expect(rendered).toBe('sum(rate(errors{flag="new-checkout",variant="on"}[1m]))');
  });

  it('are refused, naming the gate, when the traffic provider is not a feature flag', () => {
    const text = flagSpec(gate).replace(
      /traffic: .*/,
      'traffic: { provider: haproxy, socket: /run/h.sock, backend: web, stable: a, canary: b }',
    );
    const parsed = parseSpec(text, 'rollout.yml');
    expect(parsed.ok).toBe(false);
    expect(parsed.errors.map((e) => `${e.line}:${e.column} ${e.path}: ${e.message}`)).toEqual([
      '5:11 gates.errors: uses {{flag}}, {{variation}}, which only a feature-flag traffic provider (flagd, unleash, launchdarkly) gives a value',
    ]);
  });
});

const entry = (at: number, weight: number, kind: TimelineEntry['kind']): TimelineEntry => ({ at, stage: 0, weight, kind, message: '' });
/** A record as a flag rollout leaves it: the plan compiled from a spec, the state the engine keeps. */
const record = (key: string, removeAfterMs: number, status: RolloutState['status'], timeline: TimelineEntry[]) => {
  const parsed = parseSpec(`version: 1
environment: env-${key}
traffic: { provider: flagd, file: flags.json, flag: ${key}, variation: "on", stable: "off", removeAfter: ${removeAfterMs}ms }
stages: [{ weight: 5 }, { weight: 100 }]
`);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const plan: Plan = compilePlan(parsed.spec);
  const last = timeline.at(-1)!;
  const state: RolloutState = {
    ...initialState(`run-${key}`, timeline[0]!.at),
    status,
    weight: last.weight,
    stage: status === 'promoted' ? plan.stages.length - 1 : 0,
    timeline,
    updatedAt: last.at,
  };
  return { plan, state };
};

describe('flag hygiene', () => {
  const now = Date.UTC(2026, 10, 30);
  const promoted = (key: string, fullAt: number, removeAfterMs = 30 * DAY) =>
    record(key, removeAfterMs, 'promoted', [
      entry(fullAt - DAY, 5, 'stage-started'),
      entry(fullAt, 100, 'stage-started'),
      entry(fullAt + 1000, 100, 'promoted'),
    ]);

  it('dates a flag from its last move to 100 %, and only a promoted one', () => {
    expect(fullSince(promoted('a', now - 40 * DAY).state)).toBe(now - 40 * DAY);
    const back = record('b', DAY, 'rolled-back', [entry(now - 9 * DAY, 100, 'stage-started'), entry(now - 8 * DAY, 0, 'rolled-back')]);
    expect(fullSince(back.state)).toBeUndefined();
    const again = record('c', DAY, 'promoted', [
      entry(now - 9 * DAY, 100, 'stage-started'),
      entry(now - 8 * DAY, 0, 'rolled-back'),
      entry(now - 2 * DAY, 100, 'stage-started'),
      entry(now - 2 * DAY, 100, 'promoted'),
    ]);
    expect(fullSince(again.state)).toBe(now - 2 * DAY);
  });

  it('lists flags past their removeAfter, or past a given age, oldest first', () => {
    const records = [promoted('young', now - 10 * DAY), promoted('old', now - 40 * DAY), promoted('older', now - 90 * DAY, 100 * DAY)];
    expect(removalCandidates(records, now).map((f) => f.flag)).toEqual(['old']);
    expect(removalCandidates(records, now, 7 * DAY).map((f) => [f.flag, f.ageMs / DAY])).toEqual([
      ['older', 90],
      ['old', 40],
      ['young', 10],
    ]);
  });

  it('`rollgate status` lists them from the state files beside the one it shows', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'rollgate-hygiene-'));
    try {
      await mkdir(join(cwd, '.rollgate'));
      const day = Date.now() - 45 * DAY;
      for (const r of [promoted('new-checkout', day), promoted('fresh-search', Date.now() - DAY)]) {
        await writeFile(join(cwd, '.rollgate', `${r.plan.environment}.json`), JSON.stringify(r));
      }
      const stdout = new PassThrough();
      let out = '';
      stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      const io = { stdout, stderr: new PassThrough(), env: {}, cwd, signal: new AbortController().signal };
      // The record shown: a rollout that is not a flag rollout (its own flag is not listed).
      const shown = record('x', DAY, 'promoted', [entry(day, 100, 'stage-started'), entry(day + 1000, 100, 'promoted')]);
      const { flag: _notAFlag, ...plan } = shown.plan;
      await writeFile(join(cwd, '.rollgate', 'production.json'), JSON.stringify({ plan, state: shown.state }));
      expect(await statusCommand.run([], io)).toBe(0);
      expect(out).toContain('Flags fully rolled out long enough to remove from the code:');
      expect(out).toContain(`new-checkout (env-new-checkout): at 100% since ${new Date(day).toISOString().slice(0, 10)}, 45d ago`);
      expect(out).not.toContain('fresh-search');
      out = '';
      await statusCommand.run(['--flag-age', '12h'], io);
      expect(out).toContain('fresh-search (env-fresh-search): at 100% since');
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  });
});

describe('docs/flags.md', () => {
  const text = readFileSync(new URL('../../../docs/flags.md', import.meta.url), 'utf8');
  const blocks = [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);

  it('its full example validates and is an Unleash flag rollout', () => {
    const specs = blocks.filter((b) => /^version: 1$/m.test(b));
    expect(specs).toHaveLength(1);
    const parsed = parseSpec(specs[0]!, 'docs/flags.md');
    expect(parsed.errors).toEqual([]);
    if (parsed.ok) expect(compilePlan(parsed.spec).flag?.key).toBe('new-checkout');
  });

  it.each(['unleash', 'launchdarkly', 'flagd'])('its %s traffic block validates', (provider) => {
    const block = blocks.find(
      (b) => b.startsWith(`traffic:\n  provider: ${provider}`) || (b.includes(`provider: ${provider}`) && b.startsWith('version')),
    );
    expect(block).toBeDefined();
    const traffic = block!.startsWith('version') ? block!.slice(block!.indexOf('traffic:')).split(/\n(?=\S)/)[0]! : block!;
    const parsed = parseSpec(`version: 1\n${traffic.replace('url: https://unleash', 'url: https://unleash')}\nstages: [{ weight: 100 }]\n`);
    expect(parsed.errors).toEqual([]);
  });
});

describe('flag provider specs', () => {
  it.each([
    ['flagd', 'file: f.json\n  flag: "x\\n#"'],
    ['unleash', 'url: https://u.example.com\n  flag: "../admin"'],
    ['launchdarkly', 'project: shop\n  flag: "a b"'],
  ])('%s refuses a hostile flag key with its place', (provider, fields) => {
    const parsed = parseSpec(`version: 1\ntraffic:\n  provider: ${provider}\n  ${fields}\nstages: [{ weight: 100 }]\n`, 'rollout.yml');
    expect(parsed.errors.map((e) => `${e.line}:${e.column} ${e.path}`)).toEqual(['5:9 traffic.flag']);
  });

  it('unleash refuses a URL that is not http(s), and a token variable name that is not one', () => {
    const parsed = parseSpec(
      'version: 1\ntraffic:\n  provider: unleash\n  url: file:///etc/passwd\n  flag: f\n  tokenEnv: "A B"\nstages: [{ weight: 100 }]\n',
    );
    expect(parsed.errors.map((e) => e.path)).toEqual(['traffic.url', 'traffic.tokenEnv']);
    const withCredentials = parseSpec(
      'version: 1\ntraffic:\n  provider: launchdarkly\n  url: https://me:secret@ld.example.com\n  project: p\n  flag: f\nstages: [{ weight: 100 }]\n',
    );
    expect(withCredentials.errors.map((e) => `${e.path}: ${e.message}`)).toEqual([
      'traffic.url: must not hold credentials (user:password@): they would be printed wherever the URL is; put the token in the variable tokenEnv names',
    ]);
  });
});
