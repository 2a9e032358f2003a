// The rollout engine: (plan, state, event) → (state, effects). No I/O, no timers, no clock:
// time arrives inside events, so a 3-hour rollout replays in milliseconds.
import { firstMeasureDelay, stageLabel, stageNumber, stageSchedule, type Plan, type PlanStage } from './plan.js';
import { judgeMeasurement } from './policy.js';
import {
  MAX_RECORDED_MEASUREMENTS,
  type Effect,
  type EngineEvent,
  type GateCounters,
  type Outcome,
  type ReportKind,
  type RolloutState,
  type StepResult,
  type TimelineEntry,
} from './types.js';

export function initialState(id: string, at: number): RolloutState {
  return {
    schema: 1,
    id,
    status: 'pending',
    phase: 'shifting',
    stage: 0,
    weight: 0,
    done: {},
    nextDueAt: {},
    counters: {},
    hooksRun: [],
    measurements: [],
    timeline: [],
    startedAt: at,
    updatedAt: at,
  };
}

export const isFinished = (state: RolloutState) =>
  state.status === 'promoted' || state.status === 'rolled-back' || state.status === 'failed';

/** Needs a run still: in progress, or a rollback that failed (a re-run finishes it). */
export const needsRun = (state: RolloutState) => !isFinished(state) || state.status === 'failed';

export function outcomeOf(state: RolloutState): Outcome | undefined {
  switch (state.status) {
    case 'promoted':
    case 'rolled-back':
    case 'failed':
      return state.status;
    case 'awaiting-approval':
    case 'paused':
      return 'paused';
    default:
      return undefined;
  }
}

export function step(plan: Plan, previous: RolloutState, event: EngineEvent): StepResult {
  const state = copyForStep(previous);
  state.updatedAt = Math.max(state.updatedAt, event.at);
  const stage = plan.stages[state.stage];
  if (!stage) throw new Error(`state points at stage ${state.stage}, but the plan has ${plan.stages.length}`);

  // A rollback that failed is not over: a re-run (or an abort) finishes it, never resumes the canary.
  if (state.status === 'failed' && (event.type === 'start' || event.type === 'abort' || event.type === 'interrupted')) {
    note(state, event.at, 'resumed', `retrying the rollback (${state.failure?.reason ?? 'it failed'})`);
    return rollBack(state, event.at, {
      ...state.failure,
      reason: `rolled back on a later run; before: ${state.failure?.reason ?? 'failed'}`,
    });
  }
  if (isFinished(state)) return { state, effects: [{ type: 'finish', outcome: outcomeOf(state)! }] };

  switch (event.type) {
    case 'start':
      return onStart(plan, state, stage, event.at);
    case 'weight-set':
      return onWeightSet(plan, state, stage, event.weight, event.at);
    case 'tick':
      if (state.status !== 'progressing' || state.phase !== 'baking') return { state, effects: [] };
      return continueBake(plan, state, stage, event.at);
    case 'measured':
      return onMeasured(plan, state, stage, event);
    case 'approve':
      return onApprove(plan, state, stage, event);
    case 'abort':
    case 'interrupted': {
      const why = `${event.type === 'abort' ? 'aborted' : 'interrupted'}: ${event.reason}`;
      // A rollback an earlier (or dead) run began is finished, keeping its reason; anything else rolls back.
      if (state.status === 'rolling-back') {
        note(state, event.at, 'resumed', `${why}; finishing the rollback`);
        return { state, effects: [{ type: 'save' }, { type: 'set-weight', weight: 0, rollback: true }] };
      }
      return rollBack(state, event.at, { reason: why });
    }
    case 'drift':
      return onDrift(plan, state, stage, event);
    case 'fault':
      if (state.status === 'rolling-back') return { state, effects: [] };
      return rollBack(state, event.at, { reason: event.reason });
    case 'hook-done':
      return onHookDone(plan, state, stage, event);
    case 'provider-error':
      if (state.status === 'rolling-back') {
        // The way back failed too: stop, say so loudly, and leave the rest to a human.
        state.status = 'failed';
        state.failure = { ...(state.failure ?? {}), reason: `rollback failed: ${event.message}`, at: event.at };
        return finish(state, event.at, 'failed', state.failure.reason);
      }
      return rollBack(state, event.at, { reason: `traffic router error: ${event.message}` });
  }
}

function onStart(plan: Plan, state: RolloutState, stage: PlanStage, at: number): StepResult {
  switch (state.status) {
    case 'pending':
      state.status = 'progressing';
      note(state, at, 'started', `rollout of ${plan.canary} started (${plan.stages.length} stages)`);
      return enterStage(plan, state, stage, at, [{ type: 'report', kind: 'started' }]);
    case 'awaiting-approval':
    case 'paused':
      return { state, effects: [{ type: 'request-approval', stage: state.stage, reason: state.pause?.reason ?? 'paused' }] };
    case 'rolling-back':
      return { state, effects: [{ type: 'set-weight', weight: 0, rollback: true }] };
    default:
      note(state, at, 'resumed', `resumed at stage ${stageNumber(state.stage)} (${stage.weight}%)`);
      // Stopped before the stage's traffic change: do it again, hooks first.
      if (state.phase === 'shifting') return enterStage(plan, state, stage, at, [{ type: 'report', kind: 'resumed' }]);
      // Stopped mid-bake: re-apply the recorded weight (something may have reset the router), then
      // carry on with the same stage and bake clock.
      return {
        state,
        effects: [
          { type: 'report', kind: 'resumed' },
          { type: 'set-weight', weight: state.weight, rollback: false },
        ],
      };
  }
}

/** Starts a stage: waits for approval if it asks for one, else saves and shifts traffic. */
function enterStage(plan: Plan, state: RolloutState, stage: PlanStage, at: number, before: Effect[] = []): StepResult {
  state.phase = 'shifting';
  state.done = {};
  state.nextDueAt = {};
  delete state.stageStartedAt;
  for (const counters of Object.values(state.counters)) resetStageCounters(counters);
  if (stage.approval && state.approvedStage !== stage.index) {
    state.status = 'awaiting-approval';
    const reason = `approval needed before ${stageLabel(plan, stage.index)} (${stage.weight}%)`;
    state.pause = { kind: 'approval', reason, at };
    note(state, at, 'awaiting-approval', reason);
    return {
      state,
      effects: [
        ...before,
        { type: 'save' },
        { type: 'report', kind: 'awaiting-approval' },
        { type: 'request-approval', stage: stage.index, reason },
      ],
    };
  }
  delete state.pause;
  state.status = 'progressing';
  const hook = stage.before?.find((name) => !state.hooksRun.includes(name));
  if (hook) return { state, effects: [...before, { type: 'save' }, { type: 'run-hook', hook }] };
  // Saved before the traffic change, so a crash mid-change can be resumed or undone.
  return { state, effects: [...before, { type: 'save' }, { type: 'set-weight', weight: stage.weight, rollback: false }] };
}

function onHookDone(plan: Plan, state: RolloutState, stage: PlanStage, event: Extract<EngineEvent, { type: 'hook-done' }>): StepResult {
  if (state.status !== 'progressing') return { state, effects: [] };
  state.hooksRun = [...state.hooksRun, event.hook];
  if (!event.ok) {
    const reason = `${event.hook} failed: ${event.message}`;
    if (plan.hooks[event.hook]?.onFailure !== 'warn') return rollBack(state, event.at, { reason });
    note(state, event.at, 'warning', `warning: ${reason}`);
  }
  // A before-hook leads on to the traffic change, an after-hook to the next stage.
  return stage.before?.includes(event.hook) ? enterStage(plan, state, stage, event.at) : advance(plan, state, stage, event.at);
}

function onWeightSet(plan: Plan, state: RolloutState, stage: PlanStage, weight: number, at: number): StepResult {
  state.weight = weight;
  if (state.status === 'rolling-back') {
    state.status = 'rolled-back';
    return finish(state, at, 'rolled-back', state.failure?.reason ?? 'rolled back');
  }
  if (state.status !== 'progressing') return { state, effects: [] };
  if (state.phase === 'baking') return continueBake(plan, state, stage, at); // resumed mid-bake
  state.phase = 'baking';
  state.stageStartedAt = at;
  for (const name of stage.gates) {
    state.done[name] = 0;
    state.nextDueAt[name] = at + firstMeasureDelay(plan.gates[name]!, stage);
  }
  note(state, at, 'stage-started', `${stageLabel(plan, stage.index)}: ${weight}% to ${plan.canary}`);
  const next = continueBake(plan, state, stage, at);
  return { state: next.state, effects: [{ type: 'save' }, { type: 'report', kind: 'stage-started' }, ...next.effects] };
}

/** Measures what is due, waits for what is not, or moves on when the stage is complete. */
function continueBake(plan: Plan, state: RolloutState, stage: PlanStage, at: number): StepResult {
  const { required } = stageSchedule(plan, stage);
  const pending = stage.gates.filter((name) => (state.done[name] ?? 0) < required[name]!);
  const due = pending.filter((name) => state.nextDueAt[name]! <= at);
  if (due.length) return { state, effects: [{ type: 'measure', gates: due }] };
  const bakeEnds = state.stageStartedAt! + stage.bakeMs;
  if (!pending.length && at >= bakeEnds) return advance(plan, state, stage, at);
  const until = Math.min(...pending.map((name) => state.nextDueAt[name]!), pending.length ? Infinity : bakeEnds);
  return { state, effects: [{ type: 'wait', until }] };
}

function advance(plan: Plan, state: RolloutState, stage: PlanStage, at: number): StepResult {
  const hook = stage.after?.find((name) => !state.hooksRun.includes(name));
  if (hook) return { state, effects: [{ type: 'save' }, { type: 'run-hook', hook }] };
  const next = plan.stages[stage.index + 1];
  if (!next) {
    state.status = 'promoted';
    return finish(state, at, 'promoted', `promoted: ${plan.canary} serves 100%`);
  }
  state.stage = next.index;
  state.hooksRun = [];
  return enterStage(plan, state, next, at);
}

function onMeasured(plan: Plan, state: RolloutState, stage: PlanStage, event: Extract<EngineEvent, { type: 'measured' }>): StepResult {
  if (state.status !== 'progressing' || state.phase !== 'baking') return { state, effects: [] };
  let decision: ReturnType<typeof judgeMeasurement> = { action: 'continue' };
  for (const m of event.results) {
    const policy = plan.gates[m.gate];
    if (!policy) continue;
    record(state, { ...m, stage: state.stage, weight: state.weight });
    state.done[m.gate] = (state.done[m.gate] ?? 0) + 1;
    state.nextDueAt[m.gate] = m.at + policy.intervalMs;
    const counters = (state.counters[m.gate] ??= { failures: 0, inconclusive: 0, consecutiveErrors: 0 });
    const verdict = judgeMeasurement(policy, counters, m);
    if (decision.action === 'continue' || (decision.action === 'pause' && verdict.action === 'rollback')) decision = verdict;
  }
  if (decision.action === 'rollback') {
    return rollBack(state, event.at, { reason: decision.reason, gate: decision.gate, evidence: decision.evidence });
  }
  if (decision.action === 'pause') {
    state.status = 'paused';
    state.pause = { kind: 'inconclusive', reason: decision.reason, at: event.at };
    note(state, event.at, 'paused', decision.reason);
    return {
      state,
      effects: [
        { type: 'save' },
        { type: 'report', kind: 'paused' },
        { type: 'request-approval', stage: state.stage, reason: decision.reason },
      ],
    };
  }
  const stageBefore = state.stage;
  const next = continueBake(plan, state, stage, event.at);
  // When the stage is complete the next one reports itself; otherwise say what was measured.
  if (next.state.stage !== stageBefore || next.state.status !== 'progressing') return next;
  return { state: next.state, effects: [{ type: 'save' }, { type: 'report', kind: 'measured' }, ...next.effects] };
}

function onApprove(plan: Plan, state: RolloutState, stage: PlanStage, event: Extract<EngineEvent, { type: 'approve' }>): StepResult {
  const who = event.by ? ` by ${event.by}` : '';
  if (event.full && state.status !== 'rolling-back') {
    // Promote at once: skip the remaining stages and bakes.
    const last = plan.stages[plan.stages.length - 1]!;
    note(state, event.at, 'resumed', `full promotion approved${who}`);
    state.stage = last.index;
    state.hooksRun = [];
    state.approvedStage = last.index;
    return enterStage(plan, state, { ...last, gates: [], bakeMs: 0 }, event.at);
  }
  if (state.status === 'awaiting-approval') {
    // Recorded, so a run that dies before the traffic change does not ask again.
    state.approvedStage = stage.index;
    note(state, event.at, 'resumed', `stage ${stageNumber(stage.index)} approved${who}`);
    return enterStage(plan, state, stage, event.at, [{ type: 'report', kind: 'resumed' }]);
  }
  if (state.status === 'paused' && state.pause?.kind === 'drift') {
    // Lifting a drift pause puts the stage's weight back in force (the bake goes on).
    delete state.pause;
    state.status = 'progressing';
    note(state, event.at, 'resumed', `resumed${who}: ${stage.weight}% set again`);
    return {
      state,
      effects: [{ type: 'save' }, { type: 'report', kind: 'resumed' }, { type: 'set-weight', weight: stage.weight, rollback: false }],
    };
  }
  if (state.status === 'paused') {
    delete state.pause;
    state.status = 'progressing';
    for (const counters of Object.values(state.counters)) resetStageCounters(counters);
    note(state, event.at, 'resumed', `resumed${who}`);
    const next = continueBake(plan, state, stage, event.at);
    return { state: next.state, effects: [{ type: 'save' }, { type: 'report', kind: 'resumed' }, ...next.effects] };
  }
  return { state, effects: [] };
}

/**
 * The router is not where this rollout put it. The record takes the weight really in force (a
 * report never shows one that is not), then the plan's policy: pause for a human (default), or set
 * the stage's weight again.
 */
function onDrift(plan: Plan, state: RolloutState, stage: PlanStage, event: Extract<EngineEvent, { type: 'drift' }>): StepResult {
  if (state.status !== 'progressing') return { state, effects: [] };
  const message = `drift: the router sends ${event.actual}% to ${plan.canary}, but this rollout set ${event.expected}% (changed outside Rollgate)`;
  state.weight = event.actual;
  if (plan.onDrift === 'reapply') {
    note(state, event.at, 'warning', `${message}; setting ${stage.weight}% again`);
    return {
      state,
      effects: [{ type: 'save' }, { type: 'report', kind: 'drift' }, { type: 'set-weight', weight: stage.weight, rollback: false }],
    };
  }
  state.status = 'paused';
  state.pause = { kind: 'drift', reason: message, at: event.at };
  note(state, event.at, 'paused', message);
  return {
    state,
    effects: [
      { type: 'save' },
      { type: 'report', kind: 'drift' },
      { type: 'report', kind: 'paused' },
      { type: 'request-approval', stage: state.stage, reason: message },
    ],
  };
}

/**
 * The verdict is saved, then traffic goes back at once; reporting follows the router's confirmation.
 * A crash after the save resumes the rollback, never the canary (a failing save never holds it up).
 */
function rollBack(state: RolloutState, at: number, failure: Omit<NonNullable<RolloutState['failure']>, 'at'>): StepResult {
  state.status = 'rolling-back';
  state.failure = { ...failure, at };
  delete state.pause;
  return {
    state,
    effects: [{ type: 'save' }, { type: 'set-weight', weight: 0, rollback: true }],
  };
}

function finish(state: RolloutState, at: number, outcome: Outcome, message: string): StepResult {
  const kind: ReportKind = outcome === 'promoted' ? 'promoted' : outcome === 'failed' ? 'failed' : 'rolled-back';
  note(state, at, kind, message);
  return { state, effects: [{ type: 'save' }, { type: 'report', kind }, { type: 'finish', outcome }] };
}

/**
 * The next state shares nothing mutable with the previous one, yet copies only what a step may
 * change; the long lists are copied when appended to (see note and record). Cloning everything
 * made a simulated 3-hour rollout take seconds.
 */
function copyForStep(previous: RolloutState): RolloutState {
  const counters: RolloutState['counters'] = {};
  for (const [gate, c] of Object.entries(previous.counters)) counters[gate] = { ...c };
  return {
    ...previous,
    done: { ...previous.done },
    nextDueAt: { ...previous.nextDueAt },
    counters,
    ...(previous.pause ? { pause: { ...previous.pause } } : {}),
    ...(previous.failure ? { failure: { ...previous.failure } } : {}),
  };
}

function note(state: RolloutState, at: number, kind: TimelineEntry['kind'], message: string) {
  state.timeline = [...state.timeline, { at, stage: state.stage, weight: state.weight, kind, message }];
}

function record(state: RolloutState, m: RolloutState['measurements'][number]) {
  const measurements = [...state.measurements, m];
  if (measurements.length > MAX_RECORDED_MEASUREMENTS) {
    // Passes and waits are dropped first: failures and inconclusive checks are the evidence kept.
    const oldestPass = measurements.findIndex((x) => x.verdict === 'pass' || x.verdict === 'waiting');
    measurements.splice(oldestPass >= 0 ? oldestPass : 0, 1);
  }
  state.measurements = measurements;
}

/** What a gate's counters hold for one stage only: its inconclusive and waiting measurements. */
function resetStageCounters(counters: GateCounters): void {
  counters.inconclusive = 0;
  delete counters.waiting;
}
