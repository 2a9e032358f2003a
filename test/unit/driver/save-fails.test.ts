// A record that cannot be saved: before anything moved the run just fails with the cause; once the
// canary has traffic, traffic goes back to stable first, then the run fails naming the cause.
import { describe, expect, it } from 'vitest';
import { planFrom, world } from '../../harness/sim.js';

const SPEC = `
version: 1
traffic: { provider: command, command: "true", stable: v1, canary: v2 }
stages: [{ weight: 10, bake: 10m }, { weight: 50, bake: 10m }]
gates:
  errors: { provider: command, command: "true", interval: 1m }
`;

describe('a record that cannot be saved', () => {
  it('at the start: the run fails with the cause and the router is never touched', async () => {
    const w = world(planFrom(SPEC));
    w.store.save = async () => {
      throw new Error('GitHub refused POST /deployments: the token lacks a permission');
    };
    await expect(w.run()).rejects.toThrow(/^GitHub refused POST \/deployments: the token lacks a permission$/);
    expect(w.router.history).toEqual([]);
  });

  it('mid-bake: traffic back to stable first, then the run fails naming the cause', async () => {
    const w = world(planFrom(SPEC));
    const save = w.store.save.bind(w.store);
    w.store.save = async (record) => {
      if (record.state.stage === 1 && record.state.phase === 'baking') throw new Error('EACCES: permission denied');
      return save(record);
    };
    await expect(w.run()).rejects.toThrow(
      /^could not save the rollout's record: EACCES: permission denied; the rollout was rolled back first \(v1 serves 100%\)$/,
    );
    expect(w.router.history).toEqual([10, 50, 0]);
  });
});
