// The `interrupted` event: the run that drove a rollout ended without a verdict (the action's post
// step finds its record). The engine rolls back as for any rollback; the driver moves traffic first
// (with its retries and backoff), records second, reports third.
import { describe, expect, it } from 'vitest';
import { initialState, step } from '../../../src/engine/engine.js';
import type { RolloutState } from '../../../src/engine/types.js';
import { dies, planFrom, world } from '../../harness/sim.js';

const SPEC = `
version: 1
traffic: { provider: command, command: "true", stable: v1, canary: v2 }
stages: [{ weight: 10, bake: 10m }, { weight: 50, bake: 10m }, { weight: 100 }]
gates:
  errors: { provider: command, command: "true", interval: 1m }
`;
const REASON = 'the main step ended without a verdict at stage 2/3 (cancelled, killed or crashed)';

/** A world whose first run dies mid-bake of stage 2, its record saved at 50 %. */
async function killedMidStage2() {
  const w = world(planFrom(SPEC));
  const save = w.store.save.bind(w.store);
  const died = dies(w.store, async (record) => {
    await save(record);
    return record.state.stage === 1 && record.state.done.errors === 3;
  });
  void w.run();
  await died;
  w.store.save = save;
  w.log.length = 0;
  return w;
}

describe('the engine on `interrupted`', () => {
  const plan = planFrom(SPEC);
  const baking = (): RolloutState => {
    let state = step(plan, initialState('x', 0), { type: 'start', at: 0 }).state;
    state = step(plan, state, { type: 'weight-set', weight: 10, at: 1 }).state;
    return state;
  };

  it('rolls back a rollout in progress, saving the verdict before the traffic change', () => {
    const { state, effects } = step(plan, baking(), { type: 'interrupted', reason: 'gone', at: 5 });
    expect(effects).toEqual([{ type: 'save' }, { type: 'set-weight', weight: 0, rollback: true }]);
    expect(state.status).toBe('rolling-back');
    expect(state.failure).toEqual({ reason: 'interrupted: gone', at: 5 });
  });

  it('finishes a rollback the interrupted run began, keeping its reason', () => {
    const rolling = step(plan, baking(), {
      type: 'measured',
      at: 60_001,
      results: [{ gate: 'errors', verdict: 'fail', at: 60_001, evidence: { summary: 'errors 0.2' } }],
    }).state;
    expect(rolling.status).toBe('rolling-back');
    const { state, effects } = step(plan, rolling, { type: 'interrupted', reason: 'gone', at: 70_000 });
    expect(effects).toEqual([{ type: 'save' }, { type: 'set-weight', weight: 0, rollback: true }]);
    expect(state.failure).toMatchObject({ gate: 'errors' });
    expect(state.timeline.at(-1)).toMatchObject({ kind: 'resumed', message: 'interrupted: gone; finishing the rollback' });
    // `rollgate abort` on a record a dead run left mid-rollback finishes it too (it used to stop with no next step).
    const aborted = step(plan, rolling, { type: 'abort', reason: 'on call', at: 70_000 });
    expect(aborted.effects).toEqual([{ type: 'save' }, { type: 'set-weight', weight: 0, rollback: true }]);
    expect(aborted.state.failure).toMatchObject({ gate: 'errors' });
    expect(aborted.state.timeline.at(-1)).toMatchObject({ kind: 'resumed', message: 'aborted: on call; finishing the rollback' });
  });

  it('changes nothing in a finished rollout', () => {
    const promoted: RolloutState = { ...baking(), status: 'promoted' };
    expect(step(plan, promoted, { type: 'interrupted', reason: 'gone', at: 9 }).effects).toEqual([{ type: 'finish', outcome: 'promoted' }]);
  });
});

describe('the driver on `interrupted` (the post step)', () => {
  it('returns traffic to stable, then records, then reports', async () => {
    const w = await killedMidStage2();
    expect(w.router.weight).toBe(50);
    const result = await w.run({ command: { type: 'interrupted', reason: REASON } });
    expect(result.outcome).toBe('rolled-back');
    expect(w.router.history.at(-1)).toBe(0);
    expect(w.log).toEqual(['save rolling-back', 'set-weight 0', 'save rolled-back', 'report rolled-back']);
    expect(result.state.failure?.reason).toBe(`interrupted: ${REASON}`);
    expect((await w.store.load())?.state.status).toBe('rolled-back');
  });

  it('retries a refusing router with backoff, as any rollback', async () => {
    const w = await killedMidStage2();
    let refusals = 2;
    w.router.failOn = (weight) => weight === 0 && refusals-- > 0;
    const before = w.clock.now();
    const result = await w.run({ command: { type: 'interrupted', reason: REASON } });
    expect(result.outcome).toBe('rolled-back');
    expect(w.router.weight).toBe(0);
    // 250 ms, then 500 ms between the attempts.
    expect(w.clock.now() - before).toBe(750);
  });

  it('a router that never answers: the rollout ends failed, saying why, and a later run retries the rollback', async () => {
    const w = await killedMidStage2();
    w.router.failOn = (weight) => weight === 0;
    const result = await w.run({ command: { type: 'interrupted', reason: REASON } });
    expect(result.outcome).toBe('failed');
    expect(result.state.failure?.reason).toBe('rollback failed: router refused 0%');
    expect(w.router.weight).toBe(50);
    expect(w.reports.at(-1)).toMatchObject({ kind: 'failed' });

    w.router.failOn = undefined;
    const retried = await w.run();
    expect(retried.outcome).toBe('rolled-back');
    expect(w.router.weight).toBe(0);
  });
});
