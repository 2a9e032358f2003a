// `command: advance` (stage-per-job workflows): run one stage, then stop. The driver stops only to
// wait for a person, so the stage after the one to run is made to wait for approval; the next
// `advance` (or `promote`) job approves it. The recorded plan stays the one the rollout began with.
import { stageNumber, type Plan } from '../engine/plan.js';
import type { RolloutRecord, StateStore } from '../ports.js';

/**
 * A stage-per-job workflow has one approve job per approval point, written out (a workflow cannot
 * loop): a plan that waits more often is refused before anything moves, naming its stages.
 */
export function checkApprovalPoints(plan: Plan, max: number): void {
  const waits = plan.stages.flatMap((stage, index) => (stage.approval ? [stageNumber(index)] : []));
  if (waits.length <= max) return;
  throw new Error(
    `the spec asks for ${waits.length} approvals (before stages ${waits.join(', ')}), and this workflow waits for at most ${max}; ` +
      'nothing was changed. Merge approval points, or drive the rest with the controls workflow (command: promote).',
  );
}

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
    return record && { ...record, plan: this.stopping };
  }

  async save(record: RolloutRecord): Promise<void> {
    await this.inner.save({ ...record, plan: this.original });
  }

  claim = () => this.inner.claim?.() ?? Promise.resolve();
  confirm = (change: { rollback: boolean }) => this.inner.confirm?.(change) ?? Promise.resolve();
  release = () => this.inner.release?.() ?? Promise.resolve();
}
