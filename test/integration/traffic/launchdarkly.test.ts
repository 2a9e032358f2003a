// A flag rollout on LaunchDarkly (no LaunchDarkly server runs here): Rollgate talks to a local fake whose
// REST answers are checked against LaunchDarkly's generated FeatureFlag schema and whose semantic patches
// are checked against the documented instruction parameters (test/harness/launchdarkly.ts). LaunchDarkly's
// official Node server SDK, pointed at the fake, evaluates the flag the fake holds for 20,000 context
// keys at every stage: its own bucketing gives the split.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, basicLogger } from '@launchdarkly/node-server-sdk';
import { startFakeLaunchDarkly, type FakeLaunchDarkly } from '../../harness/launchdarkly.js';
import { runFlagRollout } from '../../harness/flag-rollout.js';
import { createLaunchDarklyRouter, type LaunchDarklySpec } from '../../../src/traffic/flags/launchdarkly.js';

const KEYS = Array.from({ length: 20_000 }, (_, i) => `user-${i}`);
let ld: FakeLaunchDarkly;

beforeAll(async () => void (ld = await startFakeLaunchDarkly()));
afterAll(async () => {
  await ld?.stop();
  expect(ld.violations).toEqual([]);
});

/** The share of contexts the official SDK puts in `variation`, from a fresh SDK client's first poll of the fake. */
async function sdkShare(flag: string, variation: unknown): Promise<number> {
  const client = init(ld.sdkKey, {
    baseUri: ld.url,
    streamUri: ld.url,
    eventsUri: ld.url,
    stream: false,
    sendEvents: false,
    diagnosticOptOut: true,
    logger: basicLogger({ level: 'none' }),
  });
  try {
    await client.waitForInitialization({ timeout: 10 });
    let hits = 0;
    for (const key of KEYS) if ((await client.variation(flag, { kind: 'user', key }, null)) === variation) hits++;
    return (100 * hits) / KEYS.length;
  } finally {
    client.close();
  }
}

const spec = (flag: string, gate: string) => `
version: 1
environment: production
traffic:
  provider: launchdarkly
  url: ${ld.url}
  project: shop
  flag: ${flag}
  environment: production
  tokenEnv: TEST_LD_TOKEN
stages:
  - { weight: 1, bake: 1s }
  - { weight: 5, bake: 1s }
  - { weight: 25, bake: 1s }
  - { weight: 100 }
gates:
  checkout:
    provider: command
    command: ${JSON.stringify(gate)}
    interval: 1s
`;
const env = () => ({ ...process.env, TEST_LD_TOKEN: ld.token });

describe('launchdarkly', () => {
  it('promotes 1 → 5 → 25 → 100 with one semantic patch per stage; the SDK splits 20,000 keys within ±2 points', async () => {
    ld.addFlag('shop', 'new-checkout', [true, false], ['production', 'staging']);
    const gate = 'test "$ROLLGATE_FLAG" = new-checkout && test "$ROLLGATE_VARIATION" = true';
    const run = await runFlagRollout(spec('new-checkout', gate), () => sdkShare('new-checkout', true), env());

    expect(run.result.outcome).toBe('promoted');
    expect(run.stages.map((s) => s.weight)).toEqual([1, 5, 25, 100]);
    for (const stage of run.stages) expect(Math.abs(stage.measured - stage.weight)).toBeLessThanOrEqual(2);
    const flag = ld.flag('shop', 'new-checkout');
    const [on, off] = flag.variations.map((v) => v._id);
    // The first patch turns the flag on with the 1 % split in place, in one change.
    expect(ld.patches[0]!.body).toEqual({
      environmentKey: 'production',
      comment: 'rollgate: 1% to true',
      instructions: [
        { kind: 'updateFallthroughVariationOrRollout', rolloutWeights: { [on!]: 1000, [off!]: 99_000 }, rolloutContextKind: 'user' },
        { kind: 'turnFlagOn' },
      ],
    });
    expect(ld.patches.map((p) => (p.body as { instructions: unknown[] }).instructions.length)).toEqual([2, 1, 1, 1]);
    expect(flag.environments.production!.on).toBe(true);
    expect(flag.environments.staging).toMatchObject({ on: false, fallthrough: { variation: 1 } });
    expect(await run.router.getWeight()).toBe(100);
  });

  it('rolls back to 0 % when the gate fails at 25 %: the SDK then serves the stable variation to every key', async () => {
    ld.addFlag('shop', 'search-v2', ['v2', 'v1', 'legacy'], ['production']);
    const text = spec('search-v2', 'test "$ROLLGATE_WEIGHT" -lt 25').replace('tokenEnv:', 'variation: v2\n  stable: v1\n  tokenEnv:');
    const run = await runFlagRollout(text, () => sdkShare('search-v2', 'v2'), env());

    expect(run.result.outcome).toBe('rolled-back');
    expect(run.stages.map((s) => [s.weight, s.rollback])).toEqual([
      [1, false],
      [5, false],
      [25, false],
      [0, true],
    ]);
    for (const stage of run.stages) expect(Math.abs(stage.measured - stage.weight)).toBeLessThanOrEqual(2);
    expect(run.stages.at(-1)!.measured).toBe(0);
    // The third variation never gets anyone.
    expect(ld.flag('shop', 'search-v2').environments.production!.fallthrough.rollout!.variations.map((v) => v.weight)).toEqual([
      0, 100_000, 0,
    ]);
  });

  const routerSpec = (flag: string): LaunchDarklySpec => ({
    provider: 'launchdarkly',
    url: ld.url,
    project: 'shop',
    flag,
    environment: 'production',
    variation: 'true',
    stable: 'false',
    contextKind: 'user',
    tokenEnv: 'TEST_LD_TOKEN',
    removeAfter: '30d',
    timeout: '5s',
  });
  const log = { info: () => undefined, warn: () => undefined, debug: () => undefined, mask: () => undefined };
  const context = { stage: 0, stageName: '1%', environment: 'production', rollback: false };

  it('a read-only token, a wrong token, a missing flag or variation are clear errors; nothing changes', async () => {
    ld.addFlag('shop', 'profile-v2', [true, false], ['production']);
    const router = (token: string, flag = 'profile-v2', extra: Partial<LaunchDarklySpec> = {}) =>
      createLaunchDarklyRouter({ ...routerSpec(flag), ...extra }, { env: { TEST_LD_TOKEN: token }, log, cwd: '.' });
    const before = ld.patches.length;
    await expect(router(ld.readerToken).setWeight(5, context)).rejects.toThrow(
      /PATCH \/api\/v2\/flags\/shop\/profile-v2 answered 403: .*may not update flag "profile-v2" in environment "production"/,
    );
    await expect(router('api-wrong').getWeight()).rejects.toThrow(/answered 401: .*not a valid API access token/);
    await expect(router(ld.token, 'nope').getWeight()).rejects.toThrow(/no flag "nope" in project "shop"/);
    await expect(router(ld.token, 'profile-v2', { variation: 'blue' }).setWeight(5, context)).rejects.toThrow(
      /no variation matches "blue" \(variations: true, false\)/,
    );
    expect(ld.patches.length).toBe(before);
    expect(ld.flag('shop', 'profile-v2').environments.production!.on).toBe(false);
  });

  it('reads back what the flag holds: off is 0 %, a split someone else set is drift', async () => {
    ld.addFlag('shop', 'banner-v2', [true, false], ['production']);
    const router = createLaunchDarklyRouter(routerSpec('banner-v2'), { env: { TEST_LD_TOKEN: ld.token }, log, cwd: '.' });
    expect([await router.getWeight(), await router.verify(0)]).toEqual([0, true]);
    await router.setWeight(25, context);
    expect([await router.getWeight(), await router.verify(25)]).toEqual([25, true]);
    const production = ld.flag('shop', 'banner-v2').environments.production!;
    production.fallthrough.rollout!.variations[0]!.weight = 40_000;
    production.fallthrough.rollout!.variations[1]!.weight = 60_000;
    expect([await router.getWeight(), await router.verify(25)]).toEqual([40, false]);
    production.on = false;
    expect(await router.getWeight()).toBe(0);
  });
});
