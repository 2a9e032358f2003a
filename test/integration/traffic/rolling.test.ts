// Strategy rolling on a real HAProxy: a backend of 4 real backend processes (each shuts down
// gracefully on SIGTERM) updated one server at a time while normal load and slow (2 s) requests
// flow. The deploy command restarts a server's process as the version ROLLGATE_VERSION names, on the
// address ROLLGATE_TARGET_ADDRESS, and returns before the new process listens (as `systemctl
// restart` does): the readiness URL decides when it takes traffic again.
import { afterEach, describe, expect, it } from 'vitest';
import { startBackend, type Backend, type BackendEvent } from '../../harness/backend.js';
import { startDeployControl, type DeployControl } from '../../harness/deploy.js';
import { startHaproxyFleet, type Haproxy } from '../../harness/haproxy.js';
import { waitUntil } from '../../harness/wait.js';
import { failed, startLoad } from '../../harness/load.js';
import { HaproxyRuntimeApi } from '../../../src/traffic/haproxy.js';
import type { FleetRouter } from '../../../src/traffic/fleet.js';
import { runRollout } from '../../harness/rollout.js';

const NAMES = ['web-1', 'web-2', 'web-3', 'web-4'];
const VERSION = { canary: 'v2', stable: 'v1' } as Record<string, string>;
const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

interface Fleet {
  haproxy: Haproxy;
  router: FleetRouter;
  /** The process serving each server name now (a restart replaces it). */
  processes: Map<string, Promise<Backend>>;
  /** The processes the deploy command stopped, with how they exited. */
  stopped: Array<{ name: string; version: string; inFlightAtStop: number; exit: Extract<BackendEvent, { event: 'exit' }> }>;
  control: DeployControl;
}

async function startFleet(): Promise<Fleet> {
  const processes = new Map(NAMES.map((name) => [name, startBackend('v1')]));
  cleanup.push(async () => {
    for (const backend of processes.values()) (await backend.catch(() => undefined))?.kill();
  });
  const backends = await Promise.all(processes.values());
  const { haproxy, router } = await startHaproxyFleet(NAMES.map((name, i) => ({ name, address: backends[i]!.address })));
  cleanup.push(() => haproxy.stop());

  const stopped: Fleet['stopped'] = [];
  const control = await startDeployControl(async (call) => {
    const name = call.ROLLGATE_TARGET ?? '';
    const version = VERSION[call.ROLLGATE_VERSION ?? ''];
    const current = processes.get(name);
    if (!current || !version) throw new Error(`unexpected command: ${JSON.stringify(call)}`);
    const old = await current;
    if (call.ROLLGATE_TARGET_ADDRESS !== old.address) throw new Error(`${name} is at ${old.address}, not ${call.ROLLGATE_TARGET_ADDRESS}`);
    const exit = await old.stop();
    stopped.push({ name, version: old.version, inFlightAtStop: (await old.next('draining')).inFlight, exit });
    processes.set(name, startBackend(version, { port: old.port }));
    return `${name}: ${version} starting on ${old.address}`;
  });
  cleanup.push(() => control.close());
  return { haproxy, router, processes, stopped, control };
}

const spec = (fleet: Fleet, gate: string) => `
version: 1
strategy: rolling
environment: integration
traffic:
  provider: haproxy
  socket: ${fleet.haproxy.socket}
  backend: web
  stable: web-1
  canary: web-4
rolling:
  targets: [${NAMES.join(', ')}]
  maxUnavailable: 1
  drainTimeout: 10s
  deploy: node "$DEPLOY_SCRIPT"
  env: ${JSON.stringify(fleet.control.env)}
  readiness:
    url: http://{{address}}/healthz
    timeout: 20s
    interval: 100ms
  timeout: 30s
gates:
  errors:
${gate}
`;

/** Keeps `concurrency` 2 s requests in flight through the router until stopped (at most `max` in all). */
function slowRequests(url: string, concurrency: number, max: number) {
  const answers: Array<{ status: number | string; version: string }> = [];
  let stopped = false;
  let started = 0;
  const worker = async () => {
    while (!stopped && started < max) {
      started++;
      answers.push(
        await fetch(`${url}/slow?ms=2000`, { signal: AbortSignal.timeout(15_000) }).then(
          async (response) => ({ status: response.status, version: (await response.text()).trim() }),
          (error: Error) => ({ status: error.message, version: '?' }),
        ),
      );
    }
  };
  const done = Promise.all(Array.from({ length: concurrency }, worker));
  return {
    /** Lets the requests in flight finish. */
    async stop() {
      stopped = true;
      await done;
      return answers;
    },
  };
}

/** Samples HAProxy every 100 ms: the most requests it had in flight on each server while that was in drain. */
function watchDrains(router: FleetRouter, maxSeconds: number) {
  const inFlightInDrain = new Map<string, number>();
  let stopped = false;
  const deadline = Date.now() + maxSeconds * 1000;
  const done = (async () => {
    while (!stopped && Date.now() < deadline) {
      for (const server of await router.servers()) {
        if (server.state === 'drain')
          inFlightInDrain.set(server.name, Math.max(inFlightInDrain.get(server.name) ?? 0, server.activeConnections ?? 0));
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await done;
      return inFlightInDrain;
    },
  };
}

/**
 * HAProxy's own count, per server, of connection errors (econ) and of retries (wretr): a request sent
 * to a server that does not listen is retried by HAProxy — late, but no failure the load would see.
 */
async function connectionTrouble(haproxy: Haproxy): Promise<Record<string, { econ: number; wretr: number }>> {
  const [header, ...rows] = (await new HaproxyRuntimeApi(haproxy.socket).request('show stat -1 4 -1')).trim().split('\n');
  const columns = header!.replace(/^# /, '').split(',');
  const [server, econ, wretr] = ['svname', 'econ', 'wretr'].map((name) => columns.indexOf(name)) as [number, number, number];
  return Object.fromEntries(rows.map((row) => row.split(',')).map((f) => [f[server], { econ: Number(f[econ]), wretr: Number(f[wretr]) }]));
}

/** Runs the rolling spec under 1,000 requests/s and 16 slow requests in flight at all times. */
async function rollUnderLoad(fleet: Fleet, gate: string) {
  // Bounded, with room for a busy machine: the load must outlast the rollout and its tail.
  const load = startLoad({ url: `${fleet.haproxy.url}/`, rate: 1_000, maxRequests: 80_000, maxSeconds: 80 });
  cleanup.push(() => load.stop());
  const slow = slowRequests(fleet.haproxy.url, 16, 400);
  cleanup.push(() => slow.stop());
  const drains = watchDrains(fleet.router, 80);
  cleanup.push(() => drains.stop());
  await waitUntil(async () => load.counts().responses >= 300, 10_000);
  const run = await runRollout(spec(fleet, gate), load, { tail: 300 });
  const [slowAnswers, inFlightInDrain, total] = [await slow.stop(), await drains.stop(), await load.stop()];
  const trouble = await connectionTrouble(fleet.haproxy);
  const versions = await Promise.all([...fleet.processes.values()].map(async (backend) => (await backend).version));
  return { run, slowAnswers, inFlightInDrain, total, versions, trouble };
}

describe('strategy rolling on a real HAProxy', () => {
  it('updates 4 servers one at a time under load: no slow request cut off, no request failed, all on v2', async () => {
    const fleet = await startFleet();
    const gate = `    provider: http
    url: ${fleet.haproxy.url}/
    requests: 5
    interval: 1s`;
    const { run, slowAnswers, inFlightInDrain, total, versions, trouble } = await rollUnderLoad(fleet, gate);

    expect(run.result.outcome).toBe('promoted');
    expect(run.segments.map((s) => s.weight)).toEqual([25, 50, 75, 100]);
    expect(fleet.control.calls.map(({ call }) => [call.ROLLGATE_TARGET, call.ROLLGATE_VERSION])).toEqual(
      NAMES.map((name) => [name, 'canary']),
    );
    // Drained before the deploy: HAProxy still had requests in flight on the servers it drained
    // (slow ones, left to finish), and none was left when the deploy command stopped a process.
    expect([...inFlightInDrain.values()].filter((n) => n > 0).length).toBeGreaterThanOrEqual(3);
    expect(fleet.stopped.map((s) => [s.name, s.version, s.inFlightAtStop, s.exit.cutOff])).toEqual(NAMES.map((name) => [name, 'v1', 0, 0]));
    expect(slowAnswers.length).toBeGreaterThan(50);
    expect(slowAnswers.filter((a) => a.status !== 200)).toEqual([]);
    expect(versions).toEqual(['v2', 'v2', 'v2', 'v2']);
    expect(run.tail!.counts.responses).toBeGreaterThanOrEqual(300);
    expect(run.tail!.counts.byVersion).toEqual({ v2: run.tail!.counts.responses });
    expect((await fleet.router.servers()).map((s) => [s.name, s.state])).toEqual(NAMES.map((name) => [name, 'ready']));
    expect(total.sent).toBeGreaterThan(5_000);
    // HAProxy never sent a request to a process that was not listening: no connection error, no retry.
    expect(Object.values(trouble)).toEqual(NAMES.map(() => ({ econ: 0, wretr: 0 })));
    expect(failed(total)).toBe(0);
    expect(total.retried).toBe(0);
  }, 90_000); // gate intervals are at least 1s: the rollout takes seconds, longer on a busy machine

  it('rolls the updated servers back in reverse when the gate fails at batch 2: all on v1, nothing failed', async () => {
    const fleet = await startFleet();
    const gate = `    provider: command
    command: test "$ROLLGATE_WEIGHT" -lt 50
    interval: 1s`;
    const { run, slowAnswers, total, versions, trouble } = await rollUnderLoad(fleet, gate);

    expect(run.result.outcome).toBe('rolled-back');
    expect(run.result.state.failure?.gate).toBe('errors');
    expect(run.segments.map((s) => [s.weight, s.rollback])).toEqual([
      [25, false],
      [50, false],
      [0, true],
    ]);
    expect(fleet.control.calls.map(({ call }) => [call.ROLLGATE_TARGET, call.ROLLGATE_VERSION])).toEqual([
      ['web-1', 'canary'],
      ['web-2', 'canary'],
      ['web-2', 'stable'],
      ['web-1', 'stable'],
    ]);
    expect(fleet.stopped.map((s) => [s.name, s.version, s.inFlightAtStop, s.exit.cutOff])).toEqual([
      ['web-1', 'v1', 0, 0],
      ['web-2', 'v1', 0, 0],
      ['web-2', 'v2', 0, 0],
      ['web-1', 'v2', 0, 0],
    ]);
    expect(slowAnswers.filter((a) => a.status !== 200)).toEqual([]);
    expect(versions).toEqual(['v1', 'v1', 'v1', 'v1']);
    expect(run.tail!.counts.responses).toBeGreaterThanOrEqual(300);
    expect(run.tail!.counts.byVersion).toEqual({ v1: run.tail!.counts.responses });
    expect((await fleet.router.servers()).map((s) => [s.name, s.state])).toEqual(NAMES.map((name) => [name, 'ready']));
    // HAProxy never sent a request to a process that was not listening: no connection error, no retry.
    expect(Object.values(trouble)).toEqual(NAMES.map(() => ({ econ: 0, wretr: 0 })));
    expect(failed(total)).toBe(0);
    expect(total.retried).toBe(0);
  }, 90_000); // gate intervals are at least 1s: the rollout takes seconds, longer on a busy machine
});
