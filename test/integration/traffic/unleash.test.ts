// A flag rollout on a real Unleash (npm `unleash-server` on the harness's PostgreSQL, 127.0.0.1): Rollgate
// drives the feature's flexibleRollout strategy through the Admin API, and Unleash's own Node SDK
// (`unleash-client`, polling the server as an application does) decides the feature for 20,000 user ids
// at every stage. Unleash is started once for the whole file: its migrations take a while.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUnleash as startSdk, type Unleash as UnleashSdk } from 'unleash-client';
import { startUnleash, type Unleash } from '../../harness/unleash.js';
import { runFlagRollout } from '../../harness/flag-rollout.js';
import { createUnleashRouter, type UnleashSpec } from '../../../src/traffic/flags/unleash.js';

const USERS = Array.from({ length: 20_000 }, (_, i) => `user-${i}`);
let unleash: Unleash;
let sdk: UnleashSdk;

beforeAll(async () => {
  unleash = await startUnleash(240_000);
  sdk = await startSdk({
    appName: 'rollgate-test',
    url: `${unleash.url}/api/`,
    customHeaders: { Authorization: unleash.clientToken },
    refreshInterval: 200,
    disableMetrics: true,
    skipInstanceCountWarning: true,
  });
}, 300_000);
afterAll(async () => {
  sdk?.destroy();
  await unleash?.stop();
}, 60_000);

const createFeature = (name: string) => unleash.admin('POST', '/api/admin/projects/default/features', { name, type: 'release' });

/** Waits until the SDK has the strategy for `weight` in force (or the feature off), then counts who gets it. */
async function measuredShare(feature: string, weight: number): Promise<number> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const definition = sdk.getFeatureToggleDefinition(feature);
    const rollout = definition?.strategies?.find((s) => s.name === 'flexibleRollout')?.parameters?.rollout as string | undefined;
    const seen = definition && (definition.enabled ? rollout === String(weight) : weight === 0);
    if (seen) break;
    if (Date.now() > deadline)
      throw new Error(`the Unleash SDK did not see ${feature} at ${weight}% within 20 s: ${JSON.stringify(definition)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return (100 * USERS.filter((userId) => sdk.isEnabled(feature, { userId })).length) / USERS.length;
}

const spec = (feature: string, gate: string, extra = '') => `
version: 1
environment: production
traffic:
  provider: unleash
  url: ${unleash.url}
  flag: ${feature}
  environment: production
  tokenEnv: TEST_UNLEASH_TOKEN
${extra}
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
const env = () => ({ ...process.env, TEST_UNLEASH_TOKEN: unleash.adminToken });
const environmentOf = async (feature: string) =>
  (
    await unleash.admin<{
      environments: Array<{ name: string; enabled: boolean; strategies: Array<{ parameters: Record<string, string> }> }>;
    }>('GET', `/api/admin/projects/default/features/${feature}`)
  ).environments.find((e) => e.name === 'production')!;

describe('unleash', () => {
  it('promotes 1 → 5 → 25 → 100: the SDK gives the feature to each stage’s share of 20,000 users within ±2 points', async () => {
    await createFeature('checkout-v2');
    const gate = 'test "$ROLLGATE_FLAG" = checkout-v2 && test "$ROLLGATE_VARIATION" = enabled';
    const run = await runFlagRollout(spec('checkout-v2', gate), (w) => measuredShare('checkout-v2', w), env());

    expect(run.result.outcome).toBe('promoted');
    expect(run.stages.map((s) => s.weight)).toEqual([1, 5, 25, 100]);
    for (const stage of run.stages) expect(Math.abs(stage.measured - stage.weight)).toBeLessThanOrEqual(2);
    const production = await environmentOf('checkout-v2');
    expect(production.enabled).toBe(true);
    expect(production.strategies.map((s) => s.parameters)).toEqual([{ rollout: '100', stickiness: 'default', groupId: 'checkout-v2' }]);
    expect(run.record!.plan.flag).toEqual({ key: 'checkout-v2', variation: 'enabled', removeAfterMs: 30 * 86_400_000 });
  });

  it('rolls back to 0 % when the gate fails at 25 %: the SDK then gives the feature to no one', async () => {
    await createFeature('search-v2');
    const run = await runFlagRollout(spec('search-v2', 'test "$ROLLGATE_WEIGHT" -lt 25'), (w) => measuredShare('search-v2', w), env());

    expect(run.result.outcome).toBe('rolled-back');
    expect(run.stages.map((s) => [s.weight, s.rollback])).toEqual([
      [1, false],
      [5, false],
      [25, false],
      [0, true],
    ]);
    for (const stage of run.stages) expect(Math.abs(stage.measured - stage.weight)).toBeLessThanOrEqual(2);
    expect(run.stages.at(-1)!.measured).toBe(0);
    const production = await environmentOf('search-v2');
    expect([production.enabled, production.strategies[0]!.parameters.rollout]).toEqual([true, '0']);
  });

  it('with onRollback: disable, a rollback switches the feature off in the environment', async () => {
    await createFeature('cart-v2');
    const run = await runFlagRollout(
      spec('cart-v2', 'test "$ROLLGATE_WEIGHT" -lt 5', '  onRollback: disable'),
      (w) => measuredShare('cart-v2', w),
      env(),
    );
    expect(run.result.outcome).toBe('rolled-back');
    expect(run.stages.at(-1)).toEqual({ weight: 0, rollback: true, measured: 0 });
    expect((await environmentOf('cart-v2')).enabled).toBe(false);
  });

  const routerSpec = (flag: string): UnleashSpec => ({
    provider: 'unleash',
    url: unleash.url,
    project: 'default',
    flag,
    environment: 'production',
    stickiness: 'default',
    tokenEnv: 'TEST_UNLEASH_TOKEN',
    onRollback: 'zero',
    variation: 'enabled',
    stable: 'disabled',
    removeAfter: '30d',
    timeout: '10s',
  });
  const log = { info: () => undefined, warn: () => undefined, debug: () => undefined, mask: () => undefined };
  const context = { stage: 0, stageName: '1%', environment: 'production', rollback: false };

  it('a token without permission, an unset token and a missing feature are clear errors; nothing changes', async () => {
    await createFeature('profile-v2');
    const withToken = (token: string | undefined) =>
      createUnleashRouter(routerSpec('profile-v2'), { env: { TEST_UNLEASH_TOKEN: token }, log, cwd: '.' });
    await expect(withToken(unleash.clientToken).setWeight(1, context)).rejects.toThrow(
      /GET \/api\/admin\/projects\/default\/features\/profile-v2 answered 403: .*the token in TEST_UNLEASH_TOKEN may not update features in project "default"/,
    );
    await expect(withToken('default:production.not-a-token').getWeight()).rejects.toThrow(/answered 401: .*not valid for/);
    expect(() => withToken(undefined)).toThrow('traffic (unleash): environment variable TEST_UNLEASH_TOKEN is not set');
    const missing = createUnleashRouter(routerSpec('nope'), { env: { TEST_UNLEASH_TOKEN: unleash.adminToken }, log, cwd: '.' });
    await expect(missing.getWeight()).rejects.toThrow(/has no feature "nope" in project "default"/);
    expect((await environmentOf('profile-v2')).strategies).toEqual([]);
  });

  it('refuses a percentage over 100 read back, and strategies it does not own', async () => {
    await createFeature('banner-v2');
    const router = createUnleashRouter(routerSpec('banner-v2'), { env: { TEST_UNLEASH_TOKEN: unleash.adminToken }, log, cwd: '.' });
    await expect(router.setWeight(150, context)).rejects.toThrow('canary weight must be a whole number 0..100 (got 150)');
    await router.setWeight(5, context);
    expect([await router.getWeight(), await router.verify(5)]).toEqual([5, true]);
    const path = '/api/admin/projects/default/features/banner-v2/environments/production/strategies';
    const [ours] = await unleash.admin<Array<{ id: string }>>('GET', path);
    // Unleash itself accepts 150.
    await unleash.admin('PUT', `${path}/${ours!.id}`, {
      name: 'flexibleRollout',
      title: 'rollgate',
      parameters: { rollout: '150', stickiness: 'default', groupId: 'banner-v2' },
    });
    await expect(router.getWeight()).rejects.toThrow('holds rollout "150", not 0..100');
    expect(await router.verify(5)).toBe(false);
    await router.setWeight(5, context);
    expect(await router.getWeight()).toBe(5);

    await unleash.admin('POST', path, { name: 'default', parameters: {} });
    await expect(router.getWeight()).rejects.toThrow(/has active strategies rollgate does not own \(default\)/);
    await expect(router.setWeight(25, context)).rejects.toThrow(/rollgate does not own/);
    expect(await router.verify(5)).toBe(false);
  });

  it("keeps the constraints the team put on rollgate's strategy: the percentage applies within them, and the SDK agrees", async () => {
    await createFeature('beta-v2');
    const router = createUnleashRouter(routerSpec('beta-v2'), { env: { TEST_UNLEASH_TOKEN: unleash.adminToken }, log, cwd: '.' });
    await router.setWeight(5, context);
    const path = '/api/admin/projects/default/features/beta-v2/environments/production/strategies';
    const [ours] = await unleash.admin<Array<{ id: string; parameters: Record<string, string> }>>('GET', path);
    // Only users whose id starts with "user-1" are eligible (11,111 of the 20,000).
    const constraint = { contextName: 'userId', operator: 'STR_STARTS_WITH', values: ['user-1'], inverted: false, caseInsensitive: false };
    await unleash.admin('PUT', `${path}/${ours!.id}`, {
      name: 'flexibleRollout',
      title: 'rollgate',
      parameters: ours!.parameters,
      constraints: [constraint],
    });

    await router.setWeight(25, { ...context, from: 5 });
    expect([await router.getWeight(), await router.verify(25)]).toEqual([25, true]);
    const [after] = await unleash.admin<Array<{ constraints: unknown[]; parameters: Record<string, string> }>>('GET', path);
    expect(after!.parameters.rollout).toBe('25');
    expect(after!.constraints).toEqual([
      expect.objectContaining({ contextName: 'userId', operator: 'STR_STARTS_WITH', values: ['user-1'] }),
    ]);

    await measuredShare('beta-v2', 25);
    const eligible = USERS.filter((userId) => userId.startsWith('user-1'));
    const enabled = (users: string[]) => users.filter((userId) => sdk.isEnabled('beta-v2', { userId })).length;
    expect(enabled(USERS.filter((userId) => !userId.startsWith('user-1')))).toBe(0);
    expect(Math.abs((100 * enabled(eligible)) / eligible.length - 25)).toBeLessThanOrEqual(2);
  });
});
