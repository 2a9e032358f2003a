import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planFrom, quietLog, world } from '../../harness/sim.js';
import type { HookRunner } from '../../../src/ports.js';
import { createRollingRouter } from '../../../src/traffic/rolling.js';
import type { FleetRouter, FleetServer, ServerAdminState } from '../../../src/traffic/fleet.js';
import { FakeClock } from '../../harness/clock.js';
import { parseSpec } from '../../../src/config/load.js';

const BLUE_GREEN = (extra = '') => `
version: 1
strategy: blue-green
traffic: { provider: command, command: "true", stable: blue, canary: green }
blueGreen:
  deploy: ./deploy-green.sh
  preSwitchGates: [smoke]
  rollbackWindow: 10m
  scaleDownDelay: 30m
  retire: ./retire-blue.sh
${extra}
gates:
  smoke: { provider: command, command: "true", interval: 30s }
  errors: { provider: command, command: "true", interval: 1m }
`;

function recordingHooks(log: string[], failing: string[] = []): HookRunner {
  return {
    async run(name) {
      log.push(`hook ${name}`);
      return failing.includes(name) ? { ok: false, message: 'exit 1: boom' } : { ok: true, message: 'ok' };
    },
  };
}

describe('strategy blue-green', () => {
  it('deploys, checks the preview, switches at once, watches the window, keeps the old colour, retires', async () => {
    const plan = planFrom(BLUE_GREEN());
    expect(plan.stages.map((s) => [s.name, s.weight, s.gates, s.bakeMs])).toEqual([
      ['preview', 0, ['smoke'], 0],
      ['switch', 100, ['errors'], 600_000],
      ['scale-down', 100, [], 1_800_000],
    ]);
    const w = world(plan);
    const result = await w.run({ hooks: recordingHooks(w.log) });
    expect(result.outcome).toBe('promoted');
    expect(w.router.history).toEqual([0, 100, 100]);
    const order = w.log.filter((l) => l.startsWith('hook') || l.startsWith('set-weight'));
    expect(order).toEqual(['hook deploy', 'set-weight 0', 'set-weight 100', 'set-weight 100', 'hook retire']);
    expect(w.counts.get('smoke')).toBe(1);
    expect(w.counts.get('errors')).toBe(10);
  });

  it('switches back at once when a post-switch gate fails, and never retires the old colour', async () => {
    const plan = planFrom(BLUE_GREEN());
    const w = world(plan, (gate, _c, n) => (gate === 'errors' && n === 3 ? 'fail' : 'pass'));
    const result = await w.run({ hooks: recordingHooks(w.log) });
    expect(result.outcome).toBe('rolled-back');
    expect(w.router.history).toEqual([0, 100, 0]);
    expect(w.log).not.toContain('hook retire');
  });

  it('never switches when the deploy fails or the preview is unhealthy', async () => {
    const plan = planFrom(BLUE_GREEN());
    const failedDeploy = world(plan);
    const first = await failedDeploy.run({ hooks: recordingHooks(failedDeploy.log, ['deploy']) });
    expect(first.outcome).toBe('rolled-back');
    expect(first.state.failure?.reason).toBe('deploy failed: exit 1: boom');
    expect(failedDeploy.router.history).toEqual([0]);

    const badPreview = world(plan, (gate) => (gate === 'smoke' ? 'fail' : 'pass'));
    expect((await badPreview.run({ hooks: recordingHooks(badPreview.log) })).outcome).toBe('rolled-back');
    expect(badPreview.router.history).toEqual([0, 0]);
  });

  it('still promotes when only the retire command fails, with a warning on the timeline', async () => {
    const plan = planFrom(BLUE_GREEN());
    const w = world(plan);
    const result = await w.run({ hooks: recordingHooks(w.log, ['retire']) });
    expect(result.outcome).toBe('promoted');
    expect(result.state.timeline.some((e) => e.message === 'warning: retire failed: exit 1: boom')).toBe(true);
  });

  it('asks for approval before the switch when the spec says so', async () => {
    const plan = planFrom(BLUE_GREEN().replace('  rollbackWindow: 10m', '  approval: true\n  rollbackWindow: 10m'));
    const w = world(plan);
    expect((await w.run({ hooks: recordingHooks(w.log) })).outcome).toBe('paused');
    expect(w.router.history).toEqual([0]);
  });

  it('runs the real deploy command with the rollout context in its environment', async () => {
    const { shellHooks } = await import('../../../src/driver/hooks.js');
    const dir = await mkdtemp(join(tmpdir(), 'rollgate-hooks-'));
    const hooks = shellHooks({ PATH: process.env.PATH }, dir);
    const answer = await hooks.run(
      'deploy',
      { command: 'echo "$ROLLGATE_HOOK $ROLLGATE_CANARY $ROLLGATE_ENVIRONMENT" > out.txt', timeoutMs: 5_000, onFailure: 'rollback' },
      { stage: 1, weight: 0, environment: 'prod', stable: 'blue', canary: 'green' },
    );
    expect(answer.ok).toBe(true);
    expect(await readFile(join(dir, 'out.txt'), 'utf8')).toBe('deploy green prod\n');
    const failed = await hooks.run(
      'retire',
      { command: 'echo nope >&2; exit 3', timeoutMs: 5_000, onFailure: 'warn' },
      { stage: 3, weight: 100, environment: 'prod', stable: 'blue', canary: 'green' },
    );
    expect(failed).toEqual({ ok: false, message: 'exit 3: nope' });
  });

  it('rejects blocks of another strategy and unknown gate names', () => {
    const wrong = parseSpec(BLUE_GREEN().replace('blueGreen:', 'stages: [{ weight: 100 }]\nblueGreen:'));
    expect(wrong.ok).toBe(false);
    expect(wrong.errors.map((e) => `${e.path}: ${e.message}`)).toContain('stages: belongs to strategy canary, but strategy is blue-green');
    const unknown = parseSpec(BLUE_GREEN().replace('preSwitchGates: [smoke]', 'preSwitchGates: [smok]'));
    expect(unknown.errors.map((e) => `${e.line}:${e.column} ${e.path}: ${e.message}`)).toContain(
      '7:20 blueGreen.preSwitchGates[0]: no gate named "smok" (gates: smoke, errors)',
    );
  });
});

const ROLLING = (targets: string, maxUnavailable = 1) => `
version: 1
strategy: rolling
traffic: { provider: command, command: "true" }
rolling:
  targets: ${targets}
  maxUnavailable: ${maxUnavailable}
  deploy: ./deploy.sh
  bake: 5m
gates:
  errors: { provider: command, command: "true", interval: 1m }
`;

class FakeFleet implements FleetRouter {
  readonly type = 'fake-fleet';
  servers_: FleetServer[];
  log: string[] = [];
  constructor(names: string[]) {
    this.servers_ = names.map((name, i) => ({
      name,
      address: `127.0.0.1:${9000 + i}`,
      state: 'ready' as ServerAdminState,
      weight: 1,
      health: 'up' as const,
      activeConnections: 0,
    }));
  }
  async servers() {
    return this.servers_.map((s) => ({ ...s }));
  }
  async setServerState(name: string, state: ServerAdminState) {
    this.servers_.find((s) => s.name === name)!.state = state;
    this.log.push(`${name} ${state}`);
  }
  async isDrained(name: string) {
    return this.servers_.find((s) => s.name === name)!.state !== 'ready';
  }
  async setWeight() {}
  async getWeight() {
    return 0;
  }
  async verify() {
    return true;
  }
}

describe('strategy rolling', () => {
  it('plans one stage per batch, the weight being the share of servers updated', () => {
    expect(planFrom(ROLLING('[a, b, c, d]')).stages.map((s) => s.weight)).toEqual([25, 50, 75, 100]);
    expect(planFrom(ROLLING('[a, b, c, d]', 2)).stages.map((s) => s.weight)).toEqual([50, 100]);
    expect(planFrom(ROLLING('[a, b, c]')).stages.map((s) => [s.name, s.weight])).toEqual([
      ['1/3 servers', 33],
      ['2/3 servers', 67],
      ['3/3 servers', 100],
    ]);
  });

  it('drains, deploys and restores each server in turn, and rolls the updated ones back in reverse', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rollgate-rolling-'));
    const fleet = new FakeFleet(['web1', 'web2', 'web3', 'web4']);
    const spec = parseSpec(
      ROLLING('[web1, web2, web3, web4]').replace('./deploy.sh', '\'echo "$ROLLGATE_TARGET $ROLLGATE_VERSION" >> deploys.txt\''),
    );
    if (!spec.ok) throw new Error(JSON.stringify(spec.errors));
    const router = createRollingRouter(fleet as never, spec.spec.rolling!, {
      env: { PATH: process.env.PATH },
      cwd: dir,
      clock: new FakeClock(),
      log: quietLog,
    });
    const context = { stage: 1, stageName: 's', environment: 'prod', rollback: false };
    await router.setWeight(25, { ...context, from: 0 });
    await router.setWeight(50, { ...context, from: 25 });
    expect(await router.verify(50)).toBe(true);
    expect(fleet.log.slice(0, 3)).toEqual(['web1 drain', 'web1 maint', 'web1 ready']);
    await router.setWeight(0, { ...context, rollback: true, from: 50 });
    expect(await readFile(join(dir, 'deploys.txt'), 'utf8')).toBe('web1 canary\nweb2 canary\nweb2 stable\nweb1 stable\n');
    expect(fleet.servers_.every((s) => s.state === 'ready')).toBe(true);
    expect(await router.getWeight()).toBe(0);
  });
});
