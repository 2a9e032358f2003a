// The router's optional lifecycle (src/ports.ts): prepare before the first traffic above 0 % of a
// run, finish before the end is recorded, template values handed to gates.
import { describe, expect, it } from 'vitest';
import { planFrom, world } from '../../harness/sim.js';
import { RolloutLockedError } from '../../../src/driver/state-lock.js';
import type { RouteContext } from '../../../src/ports.js';

const SPEC = `
version: 1
traffic: { provider: command, command: "true" }
stages:
  - { weight: 10, bake: 1m }
  - { weight: 100 }
gates:
  errors: { provider: command, command: "true", interval: 30s }
`;

function lifecycle(
  w: ReturnType<typeof world>,
  options: { prepare?: () => Promise<void>; finish?: (outcome: string) => Promise<void> } = {},
) {
  Object.assign(w.router, {
    async prepare() {
      w.log.push('prepare');
      await options.prepare?.();
    },
    async finish(outcome: string) {
      w.log.push(`finish ${outcome}`);
      await options.finish?.(outcome);
    },
    async templateValues() {
      return { namespace: 'shop', canaryPodTemplateHash: 'abc123' };
    },
  });
}

describe('router lifecycle', () => {
  it('prepares once before the first weight above 0 and finishes before the promotion is recorded', async () => {
    const w = world(planFrom(SPEC));
    lifecycle(w);
    const result = await w.run();
    expect(result.outcome).toBe('promoted');
    expect(w.log.filter((l) => !l.startsWith('report'))).toEqual([
      'save progressing',
      'prepare',
      'set-weight 10',
      'save progressing',
      'save progressing',
      'save progressing',
      'set-weight 100',
      'save progressing',
      'finish promoted',
      'save promoted',
    ]);
  });

  it('a failed prepare moves no traffic: the rollback sets 0 % and the canary is cleaned up', async () => {
    const w = world(planFrom(SPEC));
    lifecycle(w, { prepare: () => Promise.reject(new Error('web-canary: ImagePullBackOff')) });
    const result = await w.run();
    expect(result.outcome).toBe('rolled-back');
    expect(result.state.failure?.reason).toBe('traffic router error: web-canary: ImagePullBackOff');
    expect(w.router.history).toEqual([0]);
    expect(w.log.indexOf('finish rolled-back')).toBeGreaterThan(w.log.indexOf('set-weight 0'));
  });

  it('a failed promotion is not recorded as promoted: the run throws and a re-run finishes it', async () => {
    const w = world(planFrom(SPEC));
    let fail = true;
    lifecycle(w, { finish: async () => (fail ? Promise.reject(new Error('web not available')) : undefined) });
    await expect(w.run()).rejects.toThrow(
      'promotion could not be completed (traffic stays on the new version; run again to finish): web not available',
    );
    expect((await w.store.load())?.state.status).toBe('progressing');
    fail = false;
    const again = await w.run();
    expect(again.outcome).toBe('promoted');
    // The re-run prepared again (idempotent) before putting traffic back on the canary.
    expect(w.log.filter((l) => l === 'prepare')).toHaveLength(2);
  });

  it('a failed cleanup after a rollback is a warning: traffic is already safe', async () => {
    const w = world(planFrom(SPEC), () => 'fail');
    lifecycle(w, { finish: () => Promise.reject(new Error('forbidden')) });
    const result = await w.run();
    expect(result.outcome).toBe('rolled-back');
    expect(w.router.weight).toBe(0);
  });

  it("gates get the router's template values", async () => {
    const seen: unknown[] = [];
    const w = world(planFrom(SPEC), (_gate, context) => {
      seen.push(context.values);
      return 'pass';
    });
    lifecycle(w);
    await w.run();
    expect(seen[0]).toEqual({ namespace: 'shop', canaryPodTemplateHash: 'abc123' });
  });

  it('a router that checks the claim between servers and finds it lost stops the run at once: no retry, no rollback through it', async () => {
    const w = world(planFrom(SPEC));
    let confirms = 0;
    // Another job ended this run's claim after the first check: the router's own check between servers finds it.
    Object.assign(w.store, {
      async confirm() {
        if (++confirms > 1) throw new RolloutLockedError('production: it was ended by another job');
      },
    });
    let calls = 0;
    Object.assign(w.router, {
      async setWeight(_weight: number, context: RouteContext) {
        calls++;
        await context.holds?.();
      },
    });
    await expect(w.run()).rejects.toThrow(RolloutLockedError);
    expect(calls).toBe(1);
  });
});
