// `command: advance` (stage-per-job workflows): run one stage, then stop. The driver stops only to
// wait for a person, so the stage after the one to run is made to wait for approval; the next
// `advance` (or `promote`) job approves it. The recorded plan stays the one the rollout began with.
import type { Plan } from '../engine/plan.js';
import type { RolloutRecord, StateStore } from '../ports.js';

export function stopAfterStage(plan: Plan, stage: number): Plan {
  const next = plan.stages[stage + 1];
  if (!next || next.approval) return plan;
  const stopped = structuredClone(plan);
  stopped.stages[stage + 1]!.approval = true;
  return stopped;
}

/** A store that shows the driver the stopping plan and records the original one. */
export class OneStageStore implements StateStore {
  constructor(
    private readonly inner: StateStore,
    private readonly original: Plan,
    private readonly stopping: Plan,
  ) {}

  async load(): Promise<RolloutRecord | undefined> {
    const record = await this.inner.load();
    return record && { plan: this.stopping, state: record.state };
  }

  async save(record: RolloutRecord): Promise<void> {
    await this.inner.save({ plan: this.original, state: record.state });
  }
}
