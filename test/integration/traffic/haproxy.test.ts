// The haproxy router against a real HAProxy, real backends and real load: a full canary, a canary
// that fails its gate, and a server drained under slow requests.
import { afterEach, describe, expect, it } from 'vitest';
import { startBackend, type Backend } from '../../harness/backend.js';
import { startHaproxy, type Haproxy } from '../../harness/haproxy.js';
import { waitUntil } from '../../harness/wait.js';
import { failed, share, startLoad, between } from '../../harness/load.js';
import { createHaproxyRouter, HaproxyRuntimeApi } from '../../../src/traffic/haproxy.js';
import { drainServer } from '../../../src/traffic/fleet.js';
import { systemClock } from '../../../src/driver/clock.js';
import { runRollout } from '../../harness/rollout.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function setUp(): Promise<{ haproxy: Haproxy; stable: Backend; canary: Backend }> {
  const [stable, canary] = await Promise.all([startBackend('v1'), startBackend('v2')]);
  cleanup.push(
    () => stable.kill(),
    () => canary.kill(),
  );
  const haproxy = await startHaproxy([
    { name: 'web-v1', address: stable.address, weight: 100 },
    { name: 'web-v2', address: canary.address, weight: 0 },
  ]);
  cleanup.push(() => haproxy.stop());
  return { haproxy, stable, canary };
}

const spec = (socket: string, stages: string, gates = '') => `
version: 1
environment: integration
traffic:
  provider: haproxy
  socket: ${socket}
  backend: web
  stable: web-v1
  canary: web-v2
stages:
${stages}
${gates}`;

describe('haproxy router on a real HAProxy', () => {
  it('runs a canary 1→5→25→50→100 under 1,500 requests/s: every stage holds its split, nothing fails', async () => {
    const { haproxy } = await setUp();
    const load = startLoad({ url: `${haproxy.url}/`, rate: 1_500, maxRequests: 40_000, maxSeconds: 40 });
    cleanup.push(() => load.stop());
    await waitUntil(async () => load.counts().responses >= 300, 10_000); // full rate before the first stage
    const stages = [1, 5, 25, 50, 100].map((w) => `  - weight: ${w}\n    bake: 3s`).join('\n');
    const run = await runRollout(spec(haproxy.socket, stages), load);
    const total = await load.stop();

    expect(run.result.outcome).toBe('promoted');
    expect(run.segments.map((s) => s.weight)).toEqual([1, 5, 25, 50, 100]);
    for (const segment of run.segments) {
      // A floor that keeps the split check meaningful; a busy machine's load reaches about half its rate.
      expect(segment.counts.responses, `responses at ${segment.weight}%`).toBeGreaterThanOrEqual(1_000);
      expect(
        Math.abs(share(segment.counts, 'v2') - segment.weight),
        `split at ${segment.weight}% (${JSON.stringify(segment.counts.byVersion)})`,
      ).toBeLessThanOrEqual(2);
    }
    expect(total.sent).toBeGreaterThan(5_000);
    expect(failed(total)).toBe(0);
    expect(total.retried).toBe(0);
    expect(await run.router.getWeight()).toBe(100);
  });

  it('rolls a canary that fails its gate at 25 % back to 0 % without a failed request', async () => {
    const { haproxy } = await setUp();
    const load = startLoad({ url: `${haproxy.url}/`, rate: 1_200, maxRequests: 30_000, maxSeconds: 30 });
    cleanup.push(() => load.stop());
    const stages = [1, 5, 25, 50, 100].map((w) => `  - weight: ${w}\n    bake: 1s`).join('\n');
    const gates = `gates:
  error-rate:
    provider: command
    command: test "$ROLLGATE_WEIGHT" -lt 25
    interval: 1s`;
    // The TCP admin socket this time.
    const run = await runRollout(spec(haproxy.tcpSocket, stages, gates), load, { tail: 1_000 });
    const total = await load.stop();

    expect(run.result.outcome).toBe('rolled-back');
    expect(run.result.state.failure?.gate).toBe('error-rate');
    expect(run.segments.map((s) => [s.weight, s.rollback])).toEqual([
      [1, false],
      [5, false],
      [25, false],
      [0, true],
    ]);
    expect(run.tail!.weight).toBe(0);
    expect(run.tail!.counts.responses).toBeGreaterThanOrEqual(1_000);
    expect(run.tail!.counts.byVersion.v2 ?? 0).toBe(0);
    expect(await run.router.getWeight()).toBe(0);
    expect(failed(total)).toBe(0);
    expect(total.retried).toBe(0);
  });

  it('drains a server with 2 s requests in flight, then the backend shuts down gracefully: none cut off', async () => {
    const { haproxy, canary } = await setUp();
    const router = createHaproxyRouter({
      provider: 'haproxy',
      socket: haproxy.socket,
      backend: 'web',
      stable: 'web-v1',
      canary: 'web-v2',
      timeout: '5s',
    });
    await router.setWeight(50, { stage: 1, stageName: '50%', environment: 'it', rollback: false });
    // Background load keeps both servers busy; slow requests sit in flight on each.
    const load = startLoad({ url: `${haproxy.url}/`, rate: 800, maxRequests: 20_000, maxSeconds: 20 });
    cleanup.push(() => load.stop());
    const slow = Array.from({ length: 12 }, () =>
      fetch(`${haproxy.url}/slow?ms=2000`).then(async (r) => ({ status: r.status, version: (await r.text()).trim() })),
    );
    // HAProxy counts the slow requests on the canary as they arrive.
    await waitUntil(async () => ((await router.servers()).find((s) => s.name === 'web-v2')!.activeConnections ?? 0) > 0, 1_500);

    const drained = drainServer(router, 'web-v2', { timeoutMs: 10_000, pollMs: 100, clock: systemClock });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await router.servers()).find((s) => s.name === 'web-v2')!.state).toBe('drain');
    expect(await router.isDrained('web-v2')).toBe(false); // the slow requests are still running
    const afterDrain = load.counts();
    const result = await drained;
    expect(result.drained).toBe(true);
    expect(result.waitedMs).toBeGreaterThan(1_000);

    // The service shuts down the way it should: readiness off, quiet, in-flight done, close, exit.
    const exit = await canary.stop();
    expect(exit.cutOff).toBe(0);
    expect(canary.events.map((e) => e.event)).toEqual(['listening', 'draining', 'quiet', 'closed', 'exit']);

    const answers = await Promise.all(slow);
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(answers.map((a) => a.version)).toContain('v2');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const total = await load.stop();
    const sinceDrain = between(afterDrain, total);
    expect(sinceDrain.byVersion.v2 ?? 0).toBe(0);
    expect(sinceDrain.byVersion.v1).toBeGreaterThan(500);
    expect(failed(total)).toBe(0);
    expect(total.retried).toBe(0);
    // HAProxy saw the canary's readiness go off and its exit: it is down, in drain.
    const state = (await new HaproxyRuntimeApi(haproxy.socket).serversState('web')).get('web-v2')!;
    expect(state.admin & 0x08).toBe(0x08);
  });
});
