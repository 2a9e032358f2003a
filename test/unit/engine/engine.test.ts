import { describe, expect, it } from 'vitest';
import { initialState, step } from '../../../src/engine/engine.js';
import { timeline } from '../../../src/engine/plan.js';
import { judgeMeasurement } from '../../../src/engine/policy.js';
import type { EngineEvent, RolloutState, Verdict } from '../../../src/engine/types.js';
import { dies, planFrom, THREE_HOURS, world } from '../../harness/sim.js';

const HOUR = 3_600_000;

describe('a full rollout under a fake clock', () => {
  // Its speed (a simulated 3 hours in milliseconds) is a benchmark's business, not a timed test's.
  it('walks a 3-hour, 5-stage rollout on a fake clock', async () => {
    const plan = planFrom(THREE_HOURS);
    const w = world(plan);
    const result = await w.run();

    expect(result.outcome).toBe('promoted');
    expect(w.router.history).toEqual([1, 5, 25, 50, 100]);
    // Simulated time covers the whole plan: 3 hours of bakes.
    expect(w.clock.now() - result.state.startedAt).toBe(3 * HOUR);
    expect(timeline(plan).totalMs).toBe(3 * HOUR);
    // errors every 30 s, latency every minute, health every 10 s, over 180 minutes.
    expect(w.counts.get('errors')).toBe(360);
    expect(w.counts.get('latency')).toBe(180);
    expect(w.counts.get('health')).toBe(1080);
  });

  it('ends at weight 0 with the failing gate recorded, whichever stage fails', async () => {
    const plan = planFrom(THREE_HOURS);
    for (let failing = 0; failing < plan.stages.length; failing++) {
      const w = world(plan, (gate, context) => (gate === 'latency' && context.stage === failing + 1 ? 'fail' : 'pass'));
      const result = await w.run();
      expect(result.outcome, `stage ${failing + 1}`).toBe('rolled-back');
      expect(w.router.weight).toBe(0);
      expect(result.state.weight).toBe(0);
      expect(result.state.stage).toBe(failing);
      expect(result.state.failure?.gate).toBe('latency');
      expect(result.state.failure?.evidence?.summary).toMatch(/latency #\d+ fail/);
      // No stage skipped, weights only rose until the rollback.
      expect(w.router.history).toEqual([...plan.stages.slice(0, failing + 1).map((s) => s.weight), 0]);
    }
  });

  it('on a rollback saves the verdict, moves traffic at once, then records and reports the result', async () => {
    const plan = planFrom(THREE_HOURS);
    const w = world(plan, (gate, context) => (gate === 'errors' && context.stage === 3 ? 'fail' : 'pass'));
    await w.run();
    const rollback = w.log.indexOf('set-weight 0');
    expect(w.log.slice(rollback - 1, rollback + 3)).toEqual([
      'save rolling-back',
      'set-weight 0',
      'save rolled-back',
      'report rolled-back',
    ]);
  });

  it('saves the state before every traffic change', async () => {
    const plan = planFrom(THREE_HOURS);
    const w = world(plan);
    await w.run();
    // Reports are written beside the run (never in its way): what precedes each change, reports aside, is a save.
    const log = w.log.filter((line) => !line.startsWith('report'));
    const changes = log.map((line, i) => [line, i] as const).filter(([line]) => line.startsWith('set-weight'));
    for (const [, i] of changes) expect(log[i - 1]).toMatch(/^save progressing/);
  });

  it('tolerates failureLimit failures and rolls back on the next one', async () => {
    const plan = planFrom(`
version: 1
traffic: { provider: command, command: "true" }
stages: [{ weight: 10, bake: 10m }, { weight: 50, bake: 10m }]
gates:
  errors: { provider: command, command: "true", interval: 1m, failureLimit: 2 }
`);
    const failures = new Set([3, 9, 14]);
    const w = world(plan, (_gate, _context, n) => (failures.has(n) ? 'fail' : 'pass'));
    const result = await w.run();
    expect(result.outcome).toBe('rolled-back');
    expect(w.counts.get('errors')).toBe(14); // the third failure, counted across stages
    expect(result.state.failure?.reason).toContain('failed 3 times (failureLimit 2)');
  });

  it('rolls back after consecutiveErrorLimit errors in a row, not on scattered ones', async () => {
    const plan = planFrom(`
version: 1
traffic: { provider: command, command: "true" }
stages: [{ weight: 10, bake: 20m }]
gates:
  errors: { provider: command, command: "true", interval: 1m, consecutiveErrorLimit: 2 }
`);
    const scattered = world(plan, (_g, _c, n) => (n % 3 === 0 ? 'error' : n % 3 === 1 ? 'error' : 'pass'));
    expect((await scattered.run()).outcome).toBe('promoted');
    const streak = world(plan, (_g, _c, n) => (n >= 5 ? 'error' : 'pass'));
    const result = await streak.run();
    expect(result.outcome).toBe('rolled-back');
    expect(streak.counts.get('errors')).toBe(7);
    expect(result.state.failure?.reason).toContain('3 times in a row');
  });

  it('pauses for a human after inconclusiveLimit, or rolls back when so configured', async () => {
    const spec = (on: string) => `
version: 1
traffic: { provider: command, command: "true" }
stages: [{ weight: 1, bake: 10m }, { weight: 100 }]
gates:
  errors: { provider: command, command: "true", interval: 1m, inconclusiveLimit: 2, onInconclusive: ${on} }
`;
    const paused = world(planFrom(spec('pause')), () => 'inconclusive');
    const first = await paused.run();
    expect(first.outcome).toBe('paused');
    expect(first.state.status).toBe('paused');
    expect(paused.router.weight).toBe(1); // traffic stays where it was: no data is not a regression
    expect(first.state.pause?.reason).toContain('inconclusive 3 times');

    const rolled = world(planFrom(spec('rollback')), () => 'inconclusive');
    expect((await rolled.run()).outcome).toBe('rolled-back');
    expect(rolled.router.weight).toBe(0);
  });

  it('waits at an approval stage and goes on once approved', async () => {
    const plan = planFrom(`
version: 1
traffic: { provider: command, command: "true" }
stages:
  - { weight: 5, bake: 10m }
  - { weight: 50, bake: 10m, approval: true }
  - { weight: 100 }
gates:
  errors: { provider: command, command: "true", interval: 1m }
`);
    const w = world(plan);
    const first = await w.run();
    expect(first.outcome).toBe('paused');
    expect(first.state.status).toBe('awaiting-approval');
    expect(w.router.history).toEqual([5]);
    // Running again without approval stays paused and touches nothing.
    expect((await w.run()).outcome).toBe('paused');
    expect(w.router.history).toEqual([5]);
    const second = await w.run({ command: { type: 'approve', by: 'alice' } });
    expect(second.outcome).toBe('promoted');
    expect(w.router.history).toEqual([5, 50, 100]);
    expect(second.state.timeline.some((e) => e.message.includes('approved by alice'))).toBe(true);
  });

  it('does not ask again for an approval given before the run died', async () => {
    const plan = planFrom(`
version: 1
traffic: { provider: command, command: "true" }
stages:
  - { weight: 5, bake: 10m }
  - { weight: 50, bake: 10m, approval: true }
gates:
  errors: { provider: command, command: "true", interval: 1m }
`);
    const w = world(plan);
    expect((await w.run()).outcome).toBe('paused');
    // The approved run dies between saving and moving traffic.
    const save = w.store.save.bind(w.store);
    const died = dies(w.store, async (record) => {
      await save(record);
      return record.state.approvedStage === 1;
    });
    void w.run({ command: { type: 'approve', by: 'alice' } });
    await died;
    w.store.save = save;
    const resumed = await w.run();
    expect(resumed.outcome).toBe('promoted');
    expect(w.router.history).toEqual([5, 50, 100]);
  });

  it('promotes at once on a full promotion and rolls back on an abort', async () => {
    const plan = planFrom(THREE_HOURS.replace('{ weight: 25, bake: 40m }', '{ weight: 25, bake: 40m, approval: true }'));
    const w = world(plan);
    expect((await w.run()).outcome).toBe('paused');
    const promoted = await w.run({ command: { type: 'approve', full: true } });
    expect(promoted.outcome).toBe('promoted');
    expect(w.router.history).toEqual([1, 5, 100]);

    const a = world(plan);
    await a.run();
    const aborted = await a.run({ command: { type: 'abort', reason: 'bad smell' } });
    expect(aborted.outcome).toBe('rolled-back');
    expect(a.router.history).toEqual([1, 5, 0]);
    expect(aborted.state.failure?.reason).toBe('aborted: bad smell');
  });

  it('resumes a crashed rollout at the same stage and bake time', async () => {
    const plan = planFrom(THREE_HOURS);
    const stage3: number[] = [];
    const w = world(plan, (gate, context) => {
      if (gate === 'errors' && context.stage === 3) stage3.push(context.at);
      return 'pass';
    });
    // The process dies during stage 3's bake, before the 20th measurement's save.
    let saves = 0;
    const save = w.store.save.bind(w.store);
    const died = dies(w.store, async (record) => {
      saves += 1;
      if (record.state.stage === 2 && record.state.phase === 'baking' && record.state.done.errors === 20) return true;
      await save(record);
      return false;
    });
    void w.run();
    await died;
    w.store.save = save;
    const saved = (await w.store.load())!.state;
    expect(saved.stage).toBe(2);
    expect(saved.done.errors).toBe(19);
    const bakeStarted = saved.stageStartedAt!;
    // Something reset the router meanwhile (e.g. the post step returned traffic to stable).
    w.router.weight = 0;
    w.router.history = [];
    const resumed = await w.run();
    expect(resumed.outcome).toBe('promoted');
    // The same stage continues (its weight re-applied), no earlier stage is repeated.
    expect(w.router.history).toEqual([25, 50, 100]);
    // 40 minutes at 30 s: 80 measurements, the one lost in the crash taken again, none skipped.
    expect(new Set(stage3).size).toBe(80);
    expect(stage3[stage3.length - 1]).toBe(bakeStarted + 40 * 60_000);
    expect(saves).toBeGreaterThan(20);
  });

  it('turns a router error into a rollback, and a failed rollback into failed', async () => {
    const plan = planFrom(THREE_HOURS);
    const w = world(plan);
    w.router.failOn = (weight) => weight === 25;
    const result = await w.run({ routerAttempts: 2 });
    expect(result.outcome).toBe('rolled-back');
    expect(w.router.history).toEqual([1, 5, 0]);
    expect(result.state.failure?.reason).toContain('router refused 25%');

    const broken = world(plan);
    broken.router.failOn = (weight) => weight === 25 || weight === 0;
    const failed = await broken.run({ routerAttempts: 1 });
    expect(failed.outcome).toBe('failed');
    expect(failed.state.failure?.reason).toContain('rollback failed');
  });
});

describe('the engine as a pure function', () => {
  const plan = planFrom(THREE_HOURS);

  it('never mutates the state it is given', () => {
    const deepFreeze = <T>(value: T): T => {
      if (value && typeof value === 'object') {
        Object.values(value).forEach(deepFreeze);
        Object.freeze(value);
      }
      return value;
    };
    let state: RolloutState = initialState('pure', 0);
    const events: EngineEvent[] = [
      { type: 'start', at: 0 },
      { type: 'weight-set', weight: 1, at: 1 },
      { type: 'tick', at: 10_001 },
    ];
    for (const event of events) {
      const frozen = deepFreeze(structuredClone(state));
      state = step(plan, frozen, event).state;
    }
    expect(state.phase).toBe('baking');
  });

  it('asks for a traffic change and nothing else when a gate fails', () => {
    let state = initialState('pure', 0);
    state = step(plan, state, { type: 'start', at: 0 }).state;
    state = step(plan, state, { type: 'weight-set', weight: 1, at: 0 }).state;
    const { state: next, effects } = step(plan, state, {
      type: 'measured',
      at: 10_000,
      results: [{ gate: 'health', verdict: 'fail', at: 10_000, evidence: { summary: 'down' } }],
    });
    // The verdict is saved first (a crash then resumes the rollback), then traffic goes back.
    expect(effects).toEqual([{ type: 'save' }, { type: 'set-weight', weight: 0, rollback: true }]);
    expect(next.status).toBe('rolling-back');
  });

  it('appends a promotion to 100 % when the last stage is below it', () => {
    const short = planFrom(`
version: 1
traffic: { provider: command, command: "true" }
stages: [{ weight: 10, bake: 1m }, { weight: 50, bake: 1m }]
`);
    expect(short.stages.map((s) => s.weight)).toEqual([10, 50, 100]);
    expect(short.stages[2]!.implicit).toBe(true);
  });
});

describe('gate policy: waiting for samples', () => {
  const policy = {
    provider: 'p',
    intervalMs: 30_000,
    failureLimit: 0,
    inconclusiveLimit: 1,
    consecutiveErrorLimit: 0,
    onInconclusive: 'pause' as const,
  };
  const m = (verdict: Verdict) => ({ gate: 'g', verdict, at: 0, evidence: { summary: verdict } });

  it('forgets waiting checks once the gate judges, and counts them when it ends without data', () => {
    const judged = { failures: 0, inconclusive: 0, consecutiveErrors: 0 };
    for (const verdict of ['waiting', 'waiting', 'waiting', 'pass', 'inconclusive'] as const)
      expect(judgeMeasurement(policy, judged, m(verdict)).action).toBe('continue');
    expect(judged).toEqual({ failures: 0, inconclusive: 1, consecutiveErrors: 0 });

    const unjudged = { failures: 0, inconclusive: 0, consecutiveErrors: 0 };
    expect(judgeMeasurement(policy, unjudged, m('waiting')).action).toBe('continue');
    expect(judgeMeasurement(policy, unjudged, m('inconclusive'))).toEqual({
      action: 'pause',
      reason: 'gate "g" was inconclusive 2 times in this stage (1 of them waiting for samples) (inconclusiveLimit 1): inconclusive',
    });
  });
});
