// The rolling fleet router's order per server, with a recording fleet, real deploy commands (sh -c)
// and a real readiness endpoint on 127.0.0.1.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../harness/clock.js';
import type { Logger } from '../../../src/ports.js';
import { parseSpec } from '../../../src/config/load.js';
import type { FleetRouter, FleetServer, ServerAdminState } from '../../../src/traffic/fleet.js';
import { createRollingRouter } from '../../../src/traffic/rolling.js';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

const quietLog: Logger = { info() {}, warn() {}, debug() {}, mask() {} };

/** Servers that drain at once; every state change and readiness probe goes into one log, in order. */
class RecordingFleet implements FleetRouter {
  readonly type = 'recording-fleet';
  private readonly list: FleetServer[];
  constructor(
    names: string[],
    address: string,
    readonly log: string[],
  ) {
    this.list = names.map((name) => ({
      name,
      address,
      state: 'ready' as ServerAdminState,
      weight: 1,
      health: 'up' as const,
      activeConnections: 0,
    }));
  }
  async servers() {
    return this.list.map((s) => ({ ...s }));
  }
  async setServerState(name: string, state: ServerAdminState) {
    this.list.find((s) => s.name === name)!.state = state;
    this.log.push(`${name} ${state}`);
  }
  async isDrained(name: string) {
    return this.list.find((s) => s.name === name)!.state !== 'ready';
  }
  async setWeight() {}
  async getWeight() {
    return 0;
  }
  async verify() {
    return true;
  }
}

async function setUp(deploy: string, options: { readyAfter?: number } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'rollgate-rolling-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const log: string[] = [];
  // Readiness: 503 for the first `readyAfter` probes after each deploy, as a service still starting.
  let probes = 0;
  const health = createServer((req, res) => {
    const ready = ++probes > (options.readyAfter ?? 0);
    log.push(`probe ${req.url} ${ready ? 200 : 503}`);
    res.writeHead(ready ? 200 : 503).end();
  });
  await new Promise<void>((resolve) => health.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise((resolve) => health.close(resolve)));
  const port = (health.address() as { port: number }).port;
  const fleet = new RecordingFleet(['web1', 'web2', 'web3', 'web4'], `127.0.0.1:${port}`, log);
  const spec = parseSpec(`
version: 1
strategy: rolling
traffic: { provider: command, command: "true" }
rolling:
  targets: [web1, web2, web3, web4]
  deploy: ${JSON.stringify(deploy)}
  readiness: { url: "http://{{address}}/healthz?server={{target}}", interval: 100ms, timeout: 5s }
`);
  if (!spec.ok) throw new Error(JSON.stringify(spec.errors));
  const router = createRollingRouter(fleet as never, spec.spec.rolling!, {
    env: { PATH: process.env.PATH },
    cwd: dir,
    clock: new FakeClock(),
    log: quietLog,
  });
  return { dir, fleet, router };
}

const context = { stage: 1, stageName: 's', environment: 'test', rollback: false };

describe('rolling fleet router', () => {
  it('puts a server back in rotation only once its readiness URL answers, probed while out of rotation', async () => {
    const { fleet, router } = await setUp('true', { readyAfter: 2 });
    await router.setWeight(25, { ...context, from: 0 });
    expect(fleet.log).toEqual([
      'web1 drain',
      'web1 maint',
      'probe /healthz?server=web1 503',
      'probe /healthz?server=web1 503',
      'probe /healthz?server=web1 200',
      'web1 ready',
    ]);
    expect(await router.verify(25)).toBe(true);
  });

  it('rolls back a server whose update failed half-way, with the ones updated before it, in reverse', async () => {
    const deploy = 'echo "$ROLLGATE_TARGET $ROLLGATE_VERSION" >> deploys.txt; test "$ROLLGATE_TARGET $ROLLGATE_VERSION" != "web2 canary"';
    const { dir, fleet, router } = await setUp(deploy);
    await router.setWeight(25, { ...context, from: 0 });
    await expect(router.setWeight(50, { ...context, from: 25 })).rejects.toThrow('deploy of canary to web2 failed: exit 1');
    expect((await fleet.servers()).find((s) => s.name === 'web2')!.state).toBe('maint');
    // The engine rolls back from the last weight the router confirmed (25 %): web2 comes back too.
    await router.setWeight(0, { ...context, rollback: true, from: 25 });
    expect(await readFile(join(dir, 'deploys.txt'), 'utf8')).toBe('web1 canary\nweb2 canary\nweb2 stable\nweb1 stable\n');
    expect((await fleet.servers()).every((s) => s.state === 'ready')).toBe(true);
    expect(await router.getWeight()).toBe(0);
  });

  it('in a process that moved nothing (the post step, abort from another job), a rollback covers every target: the dead run may have begun any batch', async () => {
    const deploy = 'echo "$ROLLGATE_TARGET $ROLLGATE_VERSION" >> deploys.txt';
    const { dir, fleet, router } = await setUp(deploy);
    // The dead run confirmed 25 % (web1) and had drained web2 for the next batch when it was killed.
    await fleet.setServerState('web2', 'maint');
    await router.setWeight(0, { ...context, rollback: true, from: 25 });
    expect(await readFile(join(dir, 'deploys.txt'), 'utf8')).toBe('web4 stable\nweb3 stable\nweb2 stable\nweb1 stable\n');
    expect((await fleet.servers()).every((s) => s.state === 'ready')).toBe(true);
    expect(await router.verify(0)).toBe(true);
  });

  it('resuming at the recorded share in a new process redeploys nothing', async () => {
    const deploy = 'echo "$ROLLGATE_TARGET $ROLLGATE_VERSION" >> deploys.txt';
    const { dir, router } = await setUp(deploy);
    await router.setWeight(25, { ...context, from: 25 });
    await expect(readFile(join(dir, 'deploys.txt'), 'utf8')).rejects.toThrow('ENOENT');
  });

  it('checks before each server that the run still holds the environment, and stops at once when it does not', async () => {
    const deploy = 'echo "$ROLLGATE_TARGET $ROLLGATE_VERSION" >> deploys.txt';
    const { dir, router } = await setUp(deploy);
    let checks = 0;
    const holds = async () => {
      // An abort from another job ends this run's claim after its first server.
      if (++checks > 1) throw new Error('production: it was ended by another job');
    };
    await expect(router.setWeight(100, { ...context, from: 0, holds })).rejects.toThrow('it was ended by another job');
    expect(await readFile(join(dir, 'deploys.txt'), 'utf8')).toBe('web1 canary\n');
    expect(checks).toBe(2);
  });
});
