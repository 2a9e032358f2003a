// A flag rollout on flagd: Rollgate writes the flag file, and OpenFeature's own flagd evaluator
// (@openfeature/flagd-core, the engine inside flagd's in-process providers) reads the file Rollgate wrote
// and decides the variant of 20,000 targeting keys at every stage. The gate is a real HTTP probe whose
// URL uses {{flag}} and {{variation}}.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlagdCore } from '@openfeature/flagd-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFlagRollout } from '../../harness/flag-rollout.js';
import { flagHygieneSection } from '../../../src/report/flag-hygiene.js';
import { renderMarkdownReport } from '../../../src/report/markdown.js';

const USERS = Array.from({ length: 20_000 }, (_, i) => `user-${i}`);

/** The keys flagd puts in the variant `on`, evaluating the file as it is on disk now. */
async function usersOn(file: string): Promise<Set<string>> {
  const core = new FlagdCore();
  core.setConfigurations(await readFile(file, 'utf8'));
  return new Set(USERS.filter((key) => core.resolveBooleanEvaluation('new-checkout', false, { targetingKey: key }).value));
}

const flagFile = (state: 'ENABLED' | 'DISABLED') => ({
  $schema: 'https://flagd.dev/schema/v0/flags.json',
  flags: {
    'new-checkout': { state, variants: { on: true, off: false }, defaultVariant: 'off' },
    'other-flag': { state: 'ENABLED', variants: { a: 'a', b: 'b' }, defaultVariant: 'b', targeting: { if: [{ '==': [1, 1] }, 'a'] } },
  },
});

let dir: string;
let server: Server;
let probes: string[] = [];
let failFrom = Infinity;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rollgate-flagd-'));
  server = createServer((request, response) => {
    probes.push(request.url ?? '');
    const weight = Number(new URL(request.url ?? '/', 'http://x').searchParams.get('weight'));
    response.writeHead(weight >= failFrom ? 500 : 200).end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

const spec = (file: string) => `
version: 1
environment: production
traffic:
  provider: flagd
  file: ${file}
  flag: new-checkout
  variation: "on"
  stable: "off"
  removeAfter: 14d
stages:
  - { weight: 1, bake: 1s }
  - { weight: 5, bake: 1s }
  - { weight: 25, bake: 1s }
  - { weight: 100 }
gates:
  checkout-errors:
    provider: http
    url: http://127.0.0.1:${(server.address() as AddressInfo).port}/probe?flag={{flag}}&variation={{variation}}&weight={{weight}}
    requests: 1
    interval: 1s
`;

describe('flagd', () => {
  it('promotes 1 → 5 → 25 → 100: the evaluator splits 20,000 keys within ±2 points, users stay in, other flags untouched', async () => {
    const file = join(dir, 'promote.flagd.json');
    await writeFile(file, JSON.stringify(flagFile('DISABLED'), null, 2));
    probes = [];
    failFrom = Infinity;
    let previous = new Set<string>();
    const run = await runFlagRollout(spec(file), async () => {
      const on = await usersOn(file);
      // A user who got the feature keeps it as the rollout widens.
      expect([...previous].every((key) => on.has(key))).toBe(true);
      previous = on;
      return (100 * on.size) / USERS.length;
    });

    expect(run.result.outcome).toBe('promoted');
    expect(run.stages.map((s) => s.weight)).toEqual([1, 5, 25, 100]);
    for (const stage of run.stages) expect(Math.abs(stage.measured - stage.weight)).toBeLessThanOrEqual(2);
    expect(await run.router.getWeight()).toBe(100);

    const written = JSON.parse(await readFile(file, 'utf8')) as ReturnType<typeof flagFile>;
    expect(written.flags['new-checkout'].state).toBe('ENABLED');
    expect(written.flags['other-flag']).toEqual(flagFile('ENABLED').flags['other-flag']);
    // Gates by variation: the probe was asked about this flag and variation.
    expect(probes.some((p) => p.startsWith('/probe?flag=new-checkout&variation=on&weight=25'))).toBe(true);
    // Flag hygiene: the record says when the flag reached 100 % and when to remove it.
    const { plan, state } = run.record!;
    expect(plan.flag).toEqual({ key: 'new-checkout', variation: 'on', removeAfterMs: 14 * 86_400_000 });
    const due = new Date(state.updatedAt + 14 * 86_400_000).toISOString().slice(0, 10);
    expect(flagHygieneSection(plan, state, state.updatedAt)).toContain(`by ${due}`);
    expect(renderMarkdownReport(plan, state)).toContain(
      `🧹 Flag \`new-checkout\` now serves \`on\` to everyone. Plan its removal from the code by ${due}.`,
    );
  });

  it('rolls back to 0 % when the gate fails at 25 %: the evaluator then gives no key the variation', async () => {
    const file = join(dir, 'rollback.flagd.json');
    await writeFile(file, JSON.stringify(flagFile('ENABLED'), null, 2));
    failFrom = 25;
    const run = await runFlagRollout(spec(file), async () => (100 * (await usersOn(file)).size) / USERS.length);

    expect(run.result.outcome).toBe('rolled-back');
    expect(run.stages.map((s) => [s.weight, s.rollback])).toEqual([
      [1, false],
      [5, false],
      [25, false],
      [0, true],
    ]);
    for (const stage of run.stages) expect(Math.abs(stage.measured - stage.weight)).toBeLessThanOrEqual(2);
    expect(run.stages.at(-1)!.measured).toBe(0);
    expect(await run.router.getWeight()).toBe(0);
  });
});
