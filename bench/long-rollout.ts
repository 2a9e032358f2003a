// What a long rollout costs per step as its history grows: the driver and engine with the local
// state file, an in-memory router, one gate measured every interval, and a virtual clock (no
// waiting). For each size: steps per second over the whole run, the median time of a step in the
// first and in the last tenth of the run (their ratio is the growth with history: 1.0 means none),
// and the bytes of the state file at the end.
//
//   npx tsx bench/long-rollout.ts [--sizes 10,100,1000] [--measurements 20]
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { drive } from '../src/driver/driver.js';
import { FileStateStore } from '../src/driver/state-file.js';
import type { Plan } from '../src/engine/plan.js';
import type { Clock, Gate, Logger, StateStore, TrafficRouter } from '../src/ports.js';

const { values } = parseArgs({
  options: { sizes: { type: 'string', default: '10,100,1000' }, measurements: { type: 'string', default: '20' } },
});
const SIZES = values.sizes!.split(',').map(Number);
const PER_STAGE = Number(values.measurements);
const INTERVAL_MS = 60_000;

function plan(stages: number): Plan {
  return {
    strategy: 'canary',
    environment: 'production',
    stable: 'v1',
    canary: 'v2',
    stages: Array.from({ length: stages }, (_, index) => ({
      index,
      name: `stage ${index + 1}`,
      weight: Math.min(100, Math.ceil(((index + 1) * 100) / stages)),
      bakeMs: PER_STAGE * INTERVAL_MS,
      gates: ['errors'],
      approval: false,
    })),
    gates: {
      errors: {
        provider: 'prometheus',
        intervalMs: INTERVAL_MS,
        failureLimit: 1,
        inconclusiveLimit: 3,
        consecutiveErrorLimit: 3,
        onInconclusive: 'pause',
      },
    },
    hooks: {},
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

async function run(stages: number) {
  const dir = mkdtempSync(join(tmpdir(), 'rollgate-long-'));
  const file = join(dir, 'state.json');
  let now = Date.UTC(2026, 0, 1);
  let weight = 0;
  const clock: Clock = { now: () => now, sleep: async (ms) => void (now += Math.max(ms, 1)) };
  const router: TrafficRouter = {
    type: 'memory',
    setWeight: async (w) => void (weight = w),
    getWeight: async () => weight,
    verify: async (w) => w === weight,
  };
  const gate: Gate = {
    name: 'errors',
    provider: 'prometheus',
    measure: async () => ({
      verdict: 'pass',
      evidence: { query: 'errors', value: 0.001, threshold: '< 0.01', summary: 'error rate 0.1 % < 1 %' },
    }),
  };
  // Times each save: a step's cost is dominated by what it records.
  const inner = new FileStateStore(file);
  const saves: number[] = [];
  const store: StateStore = {
    load: () => inner.load(),
    async save(record) {
      const started = performance.now();
      await inner.save(record);
      saves.push(performance.now() - started);
    },
  };
  const quiet: Logger = { info() {}, warn() {}, debug() {}, mask() {} } as unknown as Logger;
  const started = performance.now();
  const result = await drive(
    { router, gates: { errors: gate }, store, reporters: [], clock, log: quiet },
    { plan: plan(stages), id: 'bench' },
  );
  const seconds = (performance.now() - started) / 1000;
  if (result.outcome !== 'promoted') throw new Error(`expected a promotion, got ${result.outcome}`);
  const tenth = Math.max(1, Math.floor(saves.length / 10));
  const first = median(saves.slice(0, tenth));
  const last = median(saves.slice(-tenth));
  const bytes = statSync(file).size;
  rmSync(dir, { recursive: true, force: true });
  return { stages, saves: saves.length, perSecond: saves.length / seconds, first, last, bytes };
}

console.log(`Long rollouts: ${PER_STAGE} measurements per stage, state in a local file, virtual clock\n`);
console.log(
  '| stages | saves | saves/s | median save, first tenth (ms) | median save, last tenth (ms) | last ÷ first | state file (KiB) |',
);
console.log('|---|---|---|---|---|---|---|');
for (const size of SIZES) {
  const r = await run(size);
  console.log(
    `| ${r.stages} | ${r.saves} | ${r.perSecond.toFixed(0)} | ${r.first.toFixed(3)} | ${r.last.toFixed(3)} | ${(r.last / r.first).toFixed(2)} | ${(r.bytes / 1024).toFixed(1)} |`,
  );
}
