// Strategy blue-green on real routers under real load: the deploy command brings up the idle colour
// (green), a pre-switch gate checks it directly, traffic switches 100 % at once, and a gate failing in
// the rollback window switches it back at once. A healthy switch keeps blue for scaleDownDelay, then
// the retire command stops it gracefully. Blue answers "blue", green "green" (x-version).
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, startBackend, type Backend } from '../../harness/backend.js';
import { startDeployControl, type DeployCall, type DeployControl } from '../../harness/deploy.js';
import { startHaproxy, type Haproxy } from '../../harness/haproxy.js';
import { nginxTrafficYaml, startNginx, type Nginx } from '../../harness/nginx.js';
import { waitUntil } from '../../harness/wait.js';
import { failed, startLoad, type LoadCounts } from '../../harness/load.js';
import { createHaproxyRouter } from '../../../src/traffic/haproxy.js';
import { runRollout } from '../../harness/rollout.js';

const CONNECTIONS = 10;
const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** Blue runs; green's address is reserved, nothing listens there until the deploy command. */
interface Colours {
  blue: Backend;
  green?: Backend;
  greenPort: number;
  control: DeployControl;
  /** Run by the deploy command once green listens, before it reports success. */
  afterDeploy?: () => Promise<void>;
  /** The retire command's graceful stop of blue. */
  retired?: Awaited<ReturnType<Backend['stop']>>;
}

/** `names`: what the router calls the colours (ROLLGATE_STABLE / ROLLGATE_CANARY of the commands). */
async function colours(names: { blue: string; green: string }): Promise<Colours> {
  const blue = await startBackend('blue');
  const state = { blue, greenPort: await freePort() } as Colours;
  cleanup.push(
    () => blue.kill(),
    () => state.green?.kill(),
  );
  state.control = await startDeployControl(async (call: DeployCall) => {
    if (call.ROLLGATE_HOOK === 'deploy' && call.ROLLGATE_CANARY === names.green) {
      state.green = await startBackend('green', { port: state.greenPort });
      await state.afterDeploy?.();
      return `green listening on ${state.green.address}`;
    }
    if (call.ROLLGATE_HOOK === 'retire' && call.ROLLGATE_STABLE === names.blue) {
      state.retired = await blue.stop();
      return `blue stopped, ${state.retired.served} served`;
    }
    throw new Error(`unexpected command: ${JSON.stringify(call)}`);
  });
  cleanup.push(() => state.control.close());
  return state;
}

const spec = (traffic: string, c: Colours, window: { rollbackWindow: string; scaleDownDelay: string; errors: string }) => `
version: 1
strategy: blue-green
environment: integration
${traffic}
blueGreen:
  deploy: node "$DEPLOY_SCRIPT"
  preSwitchGates: [preview]
  rollbackWindow: ${window.rollbackWindow}
  postSwitchGates: [errors]
  scaleDownDelay: ${window.scaleDownDelay}
  retire: node "$DEPLOY_SCRIPT"
  env: ${JSON.stringify(c.control.env)}
  timeout: 30s
gates:
  preview:
    provider: http
    url: http://127.0.0.1:${c.greenPort}/healthz
    requests: 5
    count: 3
    interval: 1s
  errors:
${window.errors}
`;

// Green misbehaves once it takes all the traffic: the third failed measurement (failureLimit 2) in
// the rollback window, ~1.5 s after the switch, switches back.
const FAILING_ERRORS_GATE = `    provider: command
    command: test "$ROLLGATE_WEIGHT" -lt 100
    interval: 1s
    failureLimit: 2`;

const answersOf = (counts: LoadCounts, version: string) => counts.byVersion[version] ?? 0;

const HAPROXY_NAMES = { blue: 'web-blue', green: 'web-green' };

describe('strategy blue-green on a real HAProxy', () => {
  async function setUp(c: Colours): Promise<Haproxy> {
    const haproxy = await startHaproxy([
      { name: 'web-blue', address: c.blue.address, weight: 1 },
      { name: 'web-green', address: `127.0.0.1:${c.greenPort}`, weight: 0 },
    ]);
    cleanup.push(() => haproxy.stop());
    return haproxy;
  }
  const traffic = (haproxy: Haproxy) => `traffic:
  provider: haproxy
  socket: ${haproxy.socket}
  backend: web
  stable: web-blue
  canary: web-green`;
  // HAProxy holds green DOWN until its health check passes; a switch before that answers 503. A
  // deploy script for HAProxy waits for the check, as this one does.
  const greenUpIn = (haproxy: Haproxy) => async () => {
    const router = createHaproxyRouter({
      provider: 'haproxy',
      socket: haproxy.socket,
      backend: 'web',
      stable: HAPROXY_NAMES.blue,
      canary: HAPROXY_NAMES.green,
      timeout: '5s',
    });
    await waitUntil(async () => (await router.servers()).find((s) => s.name === 'web-green')?.health === 'up', 10_000);
  };

  it('switches to green at once and back to blue at once when a post-switch gate fails: no failed request', async () => {
    const c = await colours(HAPROXY_NAMES);
    const haproxy = await setUp(c);
    c.afterDeploy = greenUpIn(haproxy);
    const load = startLoad({ url: `${haproxy.url}/`, rate: 1_200, maxRequests: 30_000, maxSeconds: 30, connections: CONNECTIONS });
    cleanup.push(() => load.stop());
    await waitUntil(async () => load.counts().responses >= 300, 10_000);
    const run = await runRollout(
      spec(traffic(haproxy), c, { rollbackWindow: '10s', scaleDownDelay: '0s', errors: FAILING_ERRORS_GATE }),
      load,
      { tail: 500 },
    );
    const total = await load.stop();

    expect(run.result.outcome).toBe('rolled-back');
    expect(run.result.state.failure?.gate).toBe('errors');
    expect(c.control.calls.map(({ call }) => call.ROLLGATE_HOOK)).toEqual(['deploy']); // never retired
    const [preview, switched] = run.segments;
    expect(run.segments.map((s) => [s.weight, s.rollback])).toEqual([
      [0, false],
      [100, false],
      [0, true],
    ]);
    // While green is previewed (checked 3 times, 500 ms apart) users stay on blue. After the switch
    // green answers everything but the requests already in flight on blue (one per connection at
    // most); after the switch back, blue answers everything.
    expect(preview!.counts.responses).toBeGreaterThan(300);
    expect(answersOf(preview!.counts, 'green')).toBe(0);
    expect(switched!.counts.responses).toBeGreaterThan(500);
    expect(answersOf(switched!.counts, 'blue')).toBeLessThanOrEqual(CONNECTIONS);
    expect(run.tail!.counts.responses).toBeGreaterThanOrEqual(500);
    expect(run.tail!.counts.byVersion).toEqual({ blue: run.tail!.counts.responses });
    expect(await run.router.getWeight()).toBe(0);
    expect(total.sent).toBeGreaterThan(4_000);
    expect(failed(total)).toBe(0);
    expect(total.retried).toBe(0);
  }, 90_000); // gate intervals are at least 1s: the rollout takes seconds, longer on a busy machine

  it('promotes green, keeps blue ready for scaleDownDelay, then retires it gracefully', async () => {
    const c = await colours(HAPROXY_NAMES);
    const haproxy = await setUp(c);
    c.afterDeploy = greenUpIn(haproxy);
    const load = startLoad({ url: `${haproxy.url}/`, rate: 1_200, maxRequests: 30_000, maxSeconds: 30, connections: CONNECTIONS });
    cleanup.push(() => load.stop());
    await waitUntil(async () => load.counts().responses >= 300, 10_000);
    // The post-switch gate probes the live service through HAProxy.
    const errors = `    provider: http
    url: ${haproxy.url}/
    requests: 5
    interval: 1s`;
    const run = await runRollout(spec(traffic(haproxy), c, { rollbackWindow: '2s', scaleDownDelay: '2s', errors }), load, {
      tail: 500,
    });
    const total = await load.stop();

    expect(run.result.outcome).toBe('promoted');
    expect(run.segments.map((s) => s.weight)).toEqual([0, 100, 100]);
    expect(answersOf(run.segments[0]!.counts, 'green')).toBe(0);
    const [deploy, retire] = c.control.calls;
    expect(deploy!.call).toMatchObject({
      ROLLGATE_HOOK: 'deploy',
      ROLLGATE_CANARY: 'web-green',
      ROLLGATE_STABLE: 'web-blue',
      ROLLGATE_ENVIRONMENT: 'integration',
    });
    expect(retire!.call).toMatchObject({ ROLLGATE_HOOK: 'retire', ROLLGATE_STABLE: 'web-blue' });
    // Blue was kept through the whole scale-down stage, then stopped without cutting anyone off.
    const scaleDown = run.segments[2]!;
    expect(retire!.at - scaleDown.startedAt).toBeGreaterThanOrEqual(2_000);
    expect(c.retired!.cutOff).toBe(0);
    expect(c.blue.events.map((e) => e.event)).toEqual(['listening', 'draining', 'quiet', 'closed', 'exit']);
    expect(answersOf(run.segments[1]!.counts, 'blue')).toBeLessThanOrEqual(CONNECTIONS);
    expect(answersOf(scaleDown.counts, 'blue')).toBe(0);
    expect(run.tail!.counts.byVersion).toEqual({ green: run.tail!.counts.responses });
    expect(await run.router.getWeight()).toBe(100);
    expect(failed(total)).toBe(0);
    expect(total.retried).toBe(0);
  }, 90_000); // gate intervals are at least 1s: the rollout takes seconds, longer on a busy machine
});

// NGINX closes idle keep-alive client connections when a reload retires its old workers; a request
// sent on one at that instant gets no byte back and is sent again (`retried`, test/harness/load.ts).
describe('strategy blue-green on a real NGINX', () => {
  it('switches to green at once and back to blue at once when a post-switch gate fails: no failed request', async () => {
    const c = await colours({ blue: 'blue', green: 'green' });
    const nginx: Nginx = await startNginx({ upstream: `server ${c.blue.address};\n` });
    cleanup.push(() => nginx.stop());
    const load = startLoad({ url: `${nginx.url}/`, rate: 1_200, maxRequests: 30_000, maxSeconds: 30, connections: CONNECTIONS });
    cleanup.push(() => load.stop());
    await waitUntil(async () => load.counts().responses >= 300, 10_000);
    const traffic = nginxTrafficYaml(
      nginx,
      { stable: [c.blue.address], canary: [`127.0.0.1:${c.greenPort}`] },
      { stable: 'blue', canary: 'green' },
    ).trimEnd();
    const run = await runRollout(spec(traffic, c, { rollbackWindow: '10s', scaleDownDelay: '0s', errors: FAILING_ERRORS_GATE }), load, {
      tail: 500,
    });
    const total = await load.stop();

    expect(run.result.outcome).toBe('rolled-back');
    expect(run.segments.map((s) => [s.weight, s.rollback])).toEqual([
      [0, false],
      [100, false],
      [0, true],
    ]);
    const [preview, switched] = run.segments;
    expect(preview!.counts.responses).toBeGreaterThan(300);
    expect(answersOf(preview!.counts, 'green')).toBe(0);
    expect(switched!.counts.responses).toBeGreaterThan(500);
    expect(answersOf(switched!.counts, 'blue')).toBeLessThanOrEqual(CONNECTIONS);
    expect(run.tail!.counts.responses).toBeGreaterThanOrEqual(500);
    expect(run.tail!.counts.byVersion).toEqual({ blue: run.tail!.counts.responses });
    expect(failed(total)).toBe(0);
    expect(total.retried).toBeLessThanOrEqual(3 * CONNECTIONS); // three reloads: preview, switch, back
  }, 90_000); // gate intervals are at least 1s: the rollout takes seconds, longer on a busy machine
});
