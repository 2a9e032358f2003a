// The local state file as a journal: what is loaded is exactly what was saved last, whatever the
// sequence of changes; a save cut short by a crash leaves the record before it; files written before
// the journal still load; the file stays bounded; and a save appends only what changed.
import { mkdtemp, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileStateStore } from '../../../src/driver/state-file.js';
import { initialState } from '../../../src/engine/engine.js';
import type { Plan } from '../../../src/engine/plan.js';
import { MAX_RECORDED_MEASUREMENTS, type RolloutState } from '../../../src/engine/types.js';
import type { RolloutRecord } from '../../../src/ports.js';

const plan: Plan = {
  strategy: 'canary',
  environment: 'production',
  stable: 'v1',
  canary: 'v2',
  stages: [10, 50, 100].map((weight, index) => ({ index, name: `${weight}%`, weight, bakeMs: 60_000, gates: ['errors'], approval: false })),
  gates: {
    errors: {
      provider: 'prometheus',
      intervalMs: 1000,
      failureLimit: 1,
      inconclusiveLimit: 3,
      consecutiveErrorLimit: 3,
      onInconclusive: 'pause',
    },
  },
  hooks: {},
};

async function file(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'rollgate-journal-')), 'state.json');
}

/** A deterministic generator (mulberry32), so a failure names a sequence that can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One engine-like step: new lists with old items kept by reference, as the engine makes them. */
function next(state: RolloutState, rand: () => number, at: number): RolloutState {
  const s: RolloutState = {
    ...state,
    done: { ...state.done },
    updatedAt: at,
    timeline: [...state.timeline],
    measurements: [...state.measurements],
  };
  const r = rand();
  if (r < 0.5) {
    s.measurements.push({
      stage: s.stage,
      weight: s.weight,
      gate: 'errors',
      verdict: rand() < 0.9 ? 'pass' : 'fail',
      evidence: { summary: `m${at}`, value: rand() },
      at,
    });
    if (s.measurements.length > MAX_RECORDED_MEASUREMENTS) s.measurements.splice(Math.floor(rand() * 5), 1);
    s.done.errors = (s.done.errors ?? 0) + 1;
  } else if (r < 0.8) {
    s.timeline.push({ at, stage: s.stage, weight: s.weight, kind: 'stage-started', message: `stage at ${at}` });
    s.stage = Math.min(2, s.stage + 1);
  } else if (r < 0.9) {
    s.weight = Math.floor(rand() * 100);
  } else {
    // A rewrite no journal line can express as removals plus appends: the store must snapshot.
    s.timeline = s.timeline.map((e) => ({ ...e, message: `${e.message}!` })).reverse();
  }
  return s;
}

describe('the state file journal', () => {
  it('loads exactly what was saved last, after every save of a long random sequence (seed 4242)', async () => {
    const path = await file();
    const store = new FileStateStore(path);
    const rand = random(4242);
    let state = initialState('run-1', 0);
    for (let i = 1; i <= 1500; i++) {
      state = next(state, rand, i);
      await store.save({ plan, state });
      if (i % 50 === 0 || i > 1490) expect(await new FileStateStore(path).load()).toEqual({ plan, state });
    }
    expect(state.measurements.length).toBeGreaterThan(MAX_RECORDED_MEASUREMENTS - 10);
  });

  it('appends only what changed: a save adds one line, much smaller than the record', async () => {
    const path = await file();
    const store = new FileStateStore(path);
    const rand = random(7);
    let state = initialState('run-2', 0);
    for (let i = 1; i <= 300; i++) state = next(state, () => rand() * 0.8, i);
    await store.save({ plan, state });
    const snapshot = (await stat(path)).size;
    state = next(state, () => 0.1, 301);
    await store.save({ plan, state });
    const grown = (await stat(path)).size - snapshot;
    expect(grown).toBeGreaterThan(0);
    expect(grown).toBeLessThan(snapshot / 10);
    expect((await readFile(path, 'utf8')).trim().split('\n')).toHaveLength(2);
  });

  it('stays bounded: compacted into a snapshot once the changes outweigh it', async () => {
    const path = await file();
    const store = new FileStateStore(path);
    let state = initialState('run-3', 0);
    let largest = 0;
    for (let i = 1; i <= 1500; i++) {
      state = { ...state, weight: i % 100, updatedAt: i };
      await store.save({ plan, state });
      largest = Math.max(largest, (await stat(path)).size);
    }
    expect(largest).toBeLessThan(64 * 1024 + 4096);
    expect(await new FileStateStore(path).load()).toEqual({ plan, state });
  });

  it('a save cut short by a crash (half a line) leaves the record as it was before it', async () => {
    const path = await file();
    const store = new FileStateStore(path);
    const first: RolloutRecord = { plan, state: initialState('run-4', 0) };
    await store.save(first);
    const before = (await stat(path)).size;
    await store.save({ plan, state: { ...first.state, weight: 50, updatedAt: 5 } });
    const after = (await stat(path)).size;
    await truncate(path, before + Math.floor((after - before) / 2));
    expect(await new FileStateStore(path).load()).toEqual(first);
  });

  it('another writer replaced the file: the next save writes a whole snapshot, not a change to a file it did not write', async () => {
    const path = await file();
    const store = new FileStateStore(path);
    const mine: RolloutRecord = { plan, state: initialState('mine', 0) };
    await store.save(mine);
    const theirs: RolloutRecord = { plan, state: { ...initialState('theirs', 0), weight: 25 } };
    await new FileStateStore(path).save(theirs);
    const next: RolloutRecord = { plan, state: { ...mine.state, weight: 10, updatedAt: 1 } };
    await store.save(next);
    expect(await new FileStateStore(path).load()).toEqual(next);
    expect((await readFile(path, 'utf8')).trim().split('\n')).toHaveLength(1);
  });

  it('reads a state file written before the journal (one JSON object); refuses what is not one', async () => {
    const path = await file();
    const legacy: RolloutRecord = { plan, state: initialState('old', 0) };
    await writeFile(path, `${JSON.stringify(legacy, null, 2)}\n`);
    expect(await new FileStateStore(path).load()).toEqual(legacy);
    await writeFile(path, '{"delta":{"state":{},"lists":{}}}\n{"x":1}\n');
    await expect(new FileStateStore(path).load()).rejects.toThrow(`${path}:1: a change before any snapshot`);
    await writeFile(path, 'hello\nworld\n');
    await expect(new FileStateStore(path).load()).rejects.toThrow(`${path}:1: not a journal line`);
  });
});
