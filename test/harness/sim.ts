// A simulated world for the engine: a router that records weights, scripted gates, a fake clock.
import { parseSpec } from '../../src/config/load.js';
import { compilePlan } from '../../src/config/compile.js';
import type { Plan } from '../../src/engine/plan.js';
import { drive, type DriveOptions } from '../../src/driver/driver.js';
import { FakeClock } from './clock.js';
import { MemoryStateStore } from './memory-store.js';
import type { Gate, HookRunner, Logger, MeasureContext, Reporter, RolloutRecord, TrafficRouter, Verdict } from '../../src/ports.js';
import type { ReportKind } from '../../src/engine/types.js';

export type Script = (gate: string, context: MeasureContext, n: number) => Verdict;

export class RecordingRouter implements TrafficRouter {
  readonly type = 'recording';
  weight = 0;
  history: number[] = [];
  failOn?: (weight: number) => boolean;
  constructor(private readonly log: string[]) {}
  async setWeight(weight: number) {
    if (this.failOn?.(weight)) throw new Error(`router refused ${weight}%`);
    this.weight = weight;
    this.history.push(weight);
    this.log.push(`set-weight ${weight}`);
  }
  async getWeight() {
    return this.weight;
  }
  async verify(weight: number) {
    return this.weight === weight;
  }
}

export const quietLog: Logger = { info() {}, warn() {}, debug() {}, mask() {} };

export function planFrom(yaml: string): Plan {
  const result = parseSpec(yaml);
  if (!result.ok) throw new Error(result.errors.map((e) => `${e.line}:${e.column} ${e.path}: ${e.message}`).join('\n'));
  return compilePlan(result.spec);
}

/** A world around one plan; `script` decides each measurement's verdict. */
export function world(plan: Plan, script: Script = () => 'pass') {
  const log: string[] = [];
  const clock = new FakeClock();
  const router = new RecordingRouter(log);
  const store = new MemoryStateStore();
  const originalSave = store.save.bind(store);
  store.save = async (record) => {
    log.push(`save ${record.state.status}`);
    return originalSave(record);
  };
  const counts = new Map<string, number>();
  const gates: Record<string, Gate> = {};
  for (const name of Object.keys(plan.gates)) {
    gates[name] = {
      name,
      provider: 'scripted',
      async measure(context) {
        const n = (counts.get(name) ?? 0) + 1;
        counts.set(name, n);
        const verdict = script(name, context, n);
        return { verdict, evidence: { summary: `${name} #${n} ${verdict}`, value: n, threshold: '< 1000' } };
      },
    };
  }
  const reports: Array<{ kind: ReportKind; stage: number; weight: number }> = [];
  const reporter: Reporter = {
    async report(kind, state) {
      reports.push({ kind, stage: state.stage, weight: state.weight });
      log.push(`report ${kind}`);
    },
  };
  const run = ({ hooks, ...options }: Partial<DriveOptions> & { hooks?: HookRunner } = {}) =>
    drive(
      { router, gates, store, reporters: [reporter], clock, log: quietLog, ...(hooks ? { hooks } : {}) },
      { plan, id: 'sim', ...options },
    );
  return { log, clock, router, store, gates, reports, run, counts };
}

export const THREE_HOURS = `
version: 1
traffic: { provider: command, command: "true" }
stages:
  - { weight: 1, bake: 20m }
  - { weight: 5, bake: 30m }
  - { weight: 25, bake: 40m }
  - { weight: 50, bake: 50m }
  - { weight: 100, bake: 40m }
gates:
  errors: { provider: command, command: "true", interval: 30s }
  latency: { provider: command, command: "true", interval: 1m }
  health: { provider: http, url: "http://127.0.0.1:1/healthz", interval: 10s }
`;

/**
 * The process dies inside a save: `save` does its part and says whether this is the moment; from
 * then on the run hangs forever, as a killed process does nothing more. Resolves at the death.
 */
export function dies(store: MemoryStateStore, save: (record: RolloutRecord) => Promise<boolean>): Promise<void> {
  return new Promise((died) => {
    store.save = async (record) => {
      if (await save(record)) {
        died();
        await new Promise(() => undefined);
      }
    };
  });
}
