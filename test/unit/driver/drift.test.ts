// Drift: the router found at a weight this rollout did not set. Read back before every change and
// at every check; the record takes the weight really in force; pause (default) or set it again.
import { describe, expect, it } from 'vitest';
import { planFrom, world } from '../../harness/sim.js';

const spec = (onDrift?: string) => `
version: 1
traffic: { provider: command, command: "true", stable: v1, canary: v2 }
stages: [{ weight: 10, bake: 10m }, { weight: 50, bake: 10m }, { weight: 100 }]
gates:
  errors: { provider: command, command: "true", interval: 1m }
${onDrift ? `onDrift: ${onDrift}` : ''}
`;

/** Someone else resets the router to 0 % after the 15th measurement (mid-bake of stage 2). */
function resetMidStage2(w: ReturnType<typeof world>) {
  let n = 0;
  const measure = w.gates.errors!.measure.bind(w.gates.errors);
  w.gates.errors = {
    ...w.gates.errors!,
    measure: async (context) => {
      if (++n === 15) w.router.weight = 0;
      return measure(context);
    },
  };
}

describe('drift', () => {
  it('pauses and says both weights by default; the record shows the weight in force; approving sets the stage weight again', async () => {
    const w = world(planFrom(spec()));
    resetMidStage2(w);
    const paused = await w.run();
    expect(paused.outcome).toBe('paused');
    expect(paused.state.pause).toMatchObject({ kind: 'drift' });
    expect(paused.state.pause!.reason).toBe('drift: the router sends 0% to v2, but this rollout set 50% (changed outside Rollgate)');
    expect(paused.state.weight).toBe(0);
    expect(w.reports.slice(-2)).toEqual([
      { kind: 'drift', stage: 1, weight: 0 },
      { kind: 'paused', stage: 1, weight: 0 },
    ]);
    // Nothing measured at the wrong weight was recorded.
    expect(paused.state.measurements.every((m) => m.weight === 10 || m.weight === 50)).toBe(true);
    expect(w.router.history).toEqual([10, 50]);

    const resumed = await w.run({ command: { type: 'approve', by: 'oncall' } });
    expect(resumed.outcome).toBe('promoted');
    expect(w.router.history).toEqual([10, 50, 50, 100]);
  });

  it('with onDrift: reapply, sets the stage weight again and goes on, leaving a warning', async () => {
    const w = world(planFrom(spec('reapply')));
    resetMidStage2(w);
    const result = await w.run();
    expect(result.outcome).toBe('promoted');
    expect(w.router.history).toEqual([10, 50, 50, 100]);
    expect(
      result.state.timeline.some(
        (t) =>
          t.kind === 'warning' &&
          /router sends 0% to v2, but this rollout set 50% \(changed outside Rollgate\); setting 50% again/.test(t.message),
      ),
    ).toBe(true);
  });

  it('is seen before a traffic change too', async () => {
    const w = world(planFrom(spec()));
    // Read 1 precedes stage 1, reads 2-11 go with its 10 checks, read 12 precedes stage 2: just
    // before it, someone sets 30 %.
    const original = w.router.getWeight.bind(w.router);
    let reads = 0;
    w.router.getWeight = async () => {
      if (++reads === 12) w.router.weight = 30;
      return original();
    };
    const result = await w.run();
    expect(reads).toBe(12);
    expect(result.outcome).toBe('paused');
    expect(result.state.pause?.reason).toMatch(/router sends 30% to v2, but this rollout set 10%/);
    expect(w.router.history).toEqual([10]);
  });
});
