// The driver runs the pure engine against the real world: it performs each effect through a port
// and feeds the answer back as the next event.
import { formatDuration } from '../config/duration.js';
import { initialState, isFinished, needsRun, step } from '../engine/engine.js';
import { stageNumber, stageSchedule, type Plan } from '../engine/plan.js';
import type { EngineEvent, Outcome, ReportKind, RolloutState } from '../engine/types.js';
import type {
  Clock,
  Gate,
  HookRunner,
  Logger,
  Measurement,
  Reporter,
  RolloutRecord,
  RouteContext,
  StateStore,
  TrafficRouter,
} from '../ports.js';
import { samePlan, UnusableRecordError } from './record.js';
import { RolloutLockedError } from './state-lock.js';

export interface DriverPorts {
  router: TrafficRouter;
  gates: Record<string, Gate>;
  store: StateStore;
  reporters: Reporter[];
  clock: Clock;
  log: Logger;
  /** Runs the plan's commands (blue-green deploy and retire); needed only by plans that have hooks. */
  hooks?: HookRunner;
}

/** What a person decided about a pending approval or pause; undefined means "not now": stop as paused. */
export type ApprovalAnswer = { approve: true; by?: string; full?: boolean } | { abort: true; reason: string } | undefined;

export interface DriveOptions {
  /** The plan for a new rollout. A rollout already recorded in the store keeps the plan it started with. */
  plan: Plan;
  /** Identifies a new rollout (e.g. the commit or a timestamp). */
  id: string;
  /** Asked when the engine waits for a human. */
  approve?: (stage: number, reason: string, state: RolloutState) => Promise<ApprovalAnswer>;
  /**
   * A control for the rollout in progress: approve (or promote fully), abort (a person asked), or
   * interrupted (the run that drove it ended without a verdict: the action's post step).
   */
  command?: { type: 'approve'; by?: string; full?: boolean } | { type: 'abort' | 'interrupted'; reason: string };
  /** Aborting this signal rolls the rollout back (Ctrl-C, job cancelled). */
  signal?: AbortSignal;
  /** Attempts for each traffic change before it counts as a router error. */
  routerAttempts?: number;
  /**
   * bindingOf(plan, router settings): a recorded rollout is driven only under the spec and router
   * it started with (an abort excepted).
   */
  binding?: string;
  /** How long the end of a run waits for reports still being written (GitHub slow or down). Default 60 s. */
  reportDeadlineMs?: number;
}

/** The record could not be saved: the run rolled back (traffic is safe), then fails. */
export class RecordLostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecordLostError';
  }
}

export interface DriveResult {
  outcome: Outcome;
  state: RolloutState;
  plan: Plan;
}

export async function drive(ports: DriverPorts, options: DriveOptions): Promise<DriveResult> {
  const { store } = ports;
  // One run per environment: the claim comes before the record is even read.
  await store.claim?.();
  const reports = new ReportQueue(ports);
  try {
    return await driveClaimed(ports, options, reports);
  } finally {
    await reports.settle(options.reportDeadlineMs ?? 60_000);
    await store.release?.();
  }
}

/**
 * Reports are written in order, but off the critical path: a slow or hanging GitHub never delays a
 * measurement or a rollback. The end of the run waits for them, within a deadline.
 */
class ReportQueue {
  private tail: Promise<void> = Promise.resolve();
  constructor(private readonly ports: DriverPorts) {}

  add(kind: ReportKind, state: RolloutState, plan: Plan): void {
    const { reporters, log } = this.ports;
    this.tail = this.tail.then(async () => {
      await Promise.all(
        reporters.map((reporter) =>
          reporter.report(kind, state, plan).catch((error: unknown) => log.warn(`report failed: ${(error as Error).message}`)),
        ),
      );
    });
  }

  async settle(deadlineMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), deadlineMs)));
    const outcome = await Promise.race([this.tail.then(() => 'done' as const), late]);
    clearTimeout(timer);
    if (outcome === 'late')
      this.ports.log.warn(`reports still unwritten after ${deadlineMs / 1000}s: left behind (traffic and record are done)`);
  }
}

async function driveClaimed(ports: DriverPorts, options: DriveOptions, reports: ReportQueue): Promise<DriveResult> {
  const { clock, store, log } = ports;
  const aborting = options.command !== undefined && options.command.type !== 'approve';
  let recorded: RolloutRecord | undefined;
  try {
    recorded = await store.load();
  } catch (error) {
    // An abort needs no record: the spec names the router and the stable version.
    if (!aborting || !(error instanceof UnusableRecordError)) throw error;
    log.warn(`${error.message}; aborting from the spec alone: ${options.plan.stable} back to 100%`);
  }
  const active = recorded && needsRun(recorded.state) ? recorded : undefined;
  const resuming = active !== undefined;
  const plan = active?.plan ?? options.plan;
  let state = active?.state ?? initialState(options.id, clock.now());
  const binding = active?.binding ?? options.binding;
  if (active && !sameSpec(active, options)) {
    const where = `stage ${state.stage + 1}/${plan.stages.length} at ${state.weight}%`;
    if (!aborting)
      throw new UnusableRecordError(
        `the rollout in progress for ${plan.environment} (${where}) was started with another spec or router; Rollgate will not ` +
          `drive it with this one. Run it with the spec it started with, or abort it (it returns traffic to ${plan.stable}).`,
      );
    log.warn(`the spec or router changed since this rollout started (${where}); aborting it with the plan it started with`);
  }

  if (options.command && !resuming) {
    if (!aborting || recorded?.state.status === 'promoted')
      throw new Error(
        `no rollout in progress for ${options.plan.environment} to ${options.command.type}` +
          (recorded ? ` (the last one ${recorded.state.status.replace('-', ' ')})` : ''),
      );
    // Nothing (usable) recorded, or the last rollout ended off the canary: make sure the router agrees.
    const reads = await ports.router.getWeight().catch(() => undefined);
    if (recorded && reads === 0)
      return { outcome: recorded.state.status === 'failed' ? 'failed' : 'rolled-back', state: recorded.state, plan };
    log.warn(`no rollout in progress is recorded; the router reads ${reads ?? 'unknown'}%: returning traffic to ${plan.stable}`);
    if (reads !== undefined) state = { ...state, weight: reads };
  }
  let event: EngineEvent | undefined = commandEvent(options.command, state, clock.now()) ?? { type: 'start', at: clock.now() };
  const interrupted = () => options.signal?.aborted === true && state.status !== 'rolling-back';

  const run: RunState = { prepared: false };
  let recordLost: string | undefined;
  /** This run has asked the router for a change (its state's weight may lag behind it). */
  let moved = false;
  const finished = (outcome: Outcome): DriveResult => {
    if (recordLost)
      throw new RecordLostError(
        `${recordLost}; the rollout was rolled back first (${state.status === 'rolled-back' ? `${plan.stable} serves 100%` : state.failure?.reason})`,
      );
    return { outcome, state, plan };
  };

  for (;;) {
    if (!event) throw new Error(`engine gave no next step in status ${state.status}`);
    const wasFinished = isFinished(state);
    const result = step(plan, state, event);
    state = result.state;
    event = undefined;
    const end = result.effects.find((e) => e.type === 'finish');
    if (end && !wasFinished && (end.outcome === 'promoted' || end.outcome === 'rolled-back')) await finishRouter(ports, end.outcome);

    effects: for (const effect of result.effects) {
      switch (effect.type) {
        case 'save':
          try {
            await store.save({ plan, state, ...(binding !== undefined ? { binding } : {}) });
          } catch (error) {
            // Another run holds the environment (found when the record is created): not ours to touch.
            if (error instanceof RolloutLockedError) throw error;
            // Not even created, and this run has moved nothing: stable serves all, nothing to undo.
            if (!moved && state.weight === 0) throw error;
            const message = `could not save the rollout's record: ${(error as Error).message}`;
            log.warn(message);
            // Never hold up the way back; anywhere else, going on without a record is unsafe: roll back, then fail.
            if (state.status === 'rolling-back' || isFinished(state)) break;
            recordLost ??= message;
            event = { type: 'fault', reason: message, at: clock.now() };
            break effects;
          }
          break;
        case 'report':
          reports.add(effect.kind, state, plan);
          break;
        case 'set-weight':
          moved = true;
          event = await setWeight(ports, plan, state, effect.weight, effect.rollback, options.routerAttempts ?? 3, run);
          break;
        case 'run-hook':
          event = await runHook(ports, plan, state, effect.hook, options.signal);
          break;
        case 'measure': {
          // Every check reads the router back too: measurements taken at a weight not in force are dropped.
          const [results, reads] = await Promise.all([
            measure(ports, plan, state, effect.gates, options.signal),
            ports.router.getWeight().catch(() => undefined),
          ]);
          event =
            reads !== undefined && reads !== state.weight
              ? { type: 'drift', expected: state.weight, actual: reads, at: clock.now() }
              : { type: 'measured', results, at: clock.now() };
          break;
        }
        case 'wait':
          try {
            if (!interrupted()) await clock.sleep(effect.until - clock.now(), options.signal);
          } catch {
            // interrupted: handled below
          }
          event = { type: 'tick', at: clock.now() };
          break;
        case 'request-approval': {
          const answer = options.approve ? await options.approve(effect.stage, effect.reason, state) : undefined;
          if (!answer) return finished('paused');
          event =
            'abort' in answer
              ? { type: 'abort', reason: answer.reason, at: clock.now() }
              : { type: 'approve', at: clock.now(), ...(answer.by ? { by: answer.by } : {}), ...(answer.full ? { full: true } : {}) };
          break;
        }
        case 'finish':
          return finished(effect.outcome);
      }
    }
    if (interrupted() && !isFinished(state)) {
      log.warn('interrupted: returning traffic to the stable version');
      event = { type: 'interrupted', reason: 'the run was stopped (Ctrl-C, SIGTERM or a cancelled job)', at: clock.now() };
    }
  }
}

/** What one run of the driver has done besides the engine's state. */
interface RunState {
  /** The router's prepare() ran in this run. */
  prepared: boolean;
}

/**
 * The router's own end of a rollout (promote the workload in place, delete the canary), before the
 * end is recorded: a crash here leaves the rollout unfinished, and a re-run does it again.
 */
async function finishRouter(ports: DriverPorts, outcome: 'promoted' | 'rolled-back'): Promise<void> {
  if (!ports.router.finish) return;
  try {
    await ports.router.finish(outcome);
  } catch (error) {
    const message = (error as Error).message;
    // After a rollback traffic is already safe: leftovers are worth a warning, not a failure.
    if (outcome === 'rolled-back') ports.log.warn(`cleanup after the rollback failed: ${message}`);
    else throw new Error(`promotion could not be completed (traffic stays on the new version; run again to finish): ${message}`);
  }
}

/** The record was started by the spec and router of this run: by binding when both have one, else by plan. */
function sameSpec(recorded: RolloutRecord, options: DriveOptions): boolean {
  if (recorded.binding !== undefined && options.binding !== undefined) return recorded.binding === options.binding;
  return samePlan(recorded.plan, options.plan);
}

function commandEvent(command: DriveOptions['command'], state: RolloutState, at: number): EngineEvent | undefined {
  if (!command) return undefined;
  if (command.type !== 'approve') return { type: command.type, reason: command.reason, at };
  // Approving only means something when the rollout waits for it, or to promote at once.
  if (!command.full && state.status !== 'awaiting-approval' && state.status !== 'paused') return undefined;
  return { type: 'approve', at, ...(command.by ? { by: command.by } : {}), ...(command.full ? { full: true } : {}) };
}

async function setWeight(
  ports: DriverPorts,
  plan: Plan,
  state: RolloutState,
  weight: number,
  rollback: boolean,
  attempts: number,
  run: RunState,
): Promise<EngineEvent> {
  const stage = plan.stages[state.stage]!;
  if (weight > 0 && !run.prepared && ports.router.prepare) {
    // The new version must be ready before it gets any traffic; prepare has its own deadline.
    try {
      await ports.router.prepare();
    } catch (error) {
      return { type: 'provider-error', message: (error as Error).message, at: ports.clock.now() };
    }
    run.prepared = true;
  }
  // A run that no longer holds the environment never touches the router; one that cannot tell
  // (GitHub down) does not move forward: it returns to safety.
  const holds = async () => {
    try {
      await ports.store.confirm?.({ rollback });
    } catch (error) {
      if (error instanceof RolloutLockedError || !rollback) throw error;
      ports.log.warn(`could not check the claim before rolling back (${(error as Error).message}); rolling back anyway`);
    }
  };
  const context: RouteContext = {
    stage: stageNumber(state.stage),
    stageName: stage.name,
    environment: plan.environment,
    rollback,
    from: state.weight,
    holds,
  };
  try {
    await holds();
  } catch (error) {
    if (error instanceof RolloutLockedError) throw error;
    return {
      type: 'fault',
      reason: `could not check that this run still holds ${plan.environment}: ${(error as Error).message}`,
      at: ports.clock.now(),
    };
  }
  if (!rollback) {
    // Read back before every change: a weight nobody here set is drift, not a starting point.
    const reads = await ports.router.getWeight().catch(() => undefined);
    if (reads !== undefined && reads !== state.weight && reads !== weight) {
      if (weight !== state.weight) return { type: 'drift', expected: state.weight, actual: reads, at: ports.clock.now() };
      // Resuming: the recorded weight is set again (the run that died may have left the router anywhere).
      ports.log.warn(`the router reads ${reads}%, the record ${state.weight}%: setting ${weight}% again`);
    }
  }
  let lastError = '';
  // A rollback tries harder: it is the way back to safety.
  const tries = rollback ? attempts + 2 : attempts;
  for (let attempt = 1; attempt <= tries; attempt++) {
    try {
      await ports.router.setWeight(weight, context);
      if (await ports.router.verify(weight)) return { type: 'weight-set', weight, at: ports.clock.now() };
      lastError = `router ${ports.router.type} did not confirm ${weight}% (reads ${await ports.router.getWeight().catch(() => '?')}%)`;
    } catch (error) {
      // Lost the environment between two servers: stop touching the router at once.
      if (error instanceof RolloutLockedError) throw error;
      lastError = (error as Error).message;
    }
    ports.log.warn(`setting ${weight}% failed (attempt ${attempt}/${tries}): ${lastError}`);
    if (attempt < tries) await ports.clock.sleep(250 * 2 ** (attempt - 1)).catch(() => undefined);
  }
  return { type: 'provider-error', message: lastError, at: ports.clock.now() };
}

async function runHook(ports: DriverPorts, plan: Plan, state: RolloutState, name: string, signal?: AbortSignal): Promise<EngineEvent> {
  const hook = plan.hooks[name];
  const done = (ok: boolean, message: string): EngineEvent => ({ type: 'hook-done', hook: name, ok, message, at: ports.clock.now() });
  if (!hook) return done(false, `no hook named ${name}`);
  if (!ports.hooks) return done(false, 'this driver cannot run commands');
  ports.log.info(`running ${name}: ${hook.command}`);
  const context = {
    stage: stageNumber(state.stage),
    weight: state.weight,
    environment: plan.environment,
    stable: plan.stable,
    canary: plan.canary,
    ...(signal ? { signal } : {}),
  };
  const answer = await ports.hooks.run(name, hook, context).catch((error: unknown) => ({ ok: false, message: (error as Error).message }));
  return done(answer.ok, answer.message);
}

async function measure(ports: DriverPorts, plan: Plan, state: RolloutState, names: string[], signal?: AbortSignal): Promise<Measurement[]> {
  const values = ports.router.templateValues ? await valuesOf(ports.router, ports.log) : undefined;
  const stage = plan.stages[state.stage];
  const required = stage ? stageSchedule(plan, stage).required : {};
  return Promise.all(
    names.map(async (name): Promise<Measurement> => {
      const gate = ports.gates[name];
      const at = ports.clock.now();
      if (!gate) return { gate: name, verdict: 'error', at, evidence: { summary: `no gate named ${name} is configured` } };
      try {
        const result = await gate.measure({
          canary: plan.canary,
          stable: plan.stable,
          baseline: plan.stable,
          weight: state.weight,
          stage: stageNumber(state.stage),
          environment: plan.environment,
          ...(plan.flag ? { flag: plan.flag.key, variation: plan.flag.variation } : {}),
          interval: formatDuration(plan.gates[name]?.intervalMs ?? 0),
          at,
          ...(state.stageStartedAt !== undefined ? { stageStartedAt: state.stageStartedAt } : {}),
          ...(values ? { values } : {}),
          stageStarts: state.timeline.filter((e) => e.kind === 'stage-started').map((e) => ({ stage: stageNumber(e.stage), at: e.at })),
          lastCheck: (state.done[name] ?? 0) + 1 >= (required[name] ?? 1),
          ...(signal ? { signal } : {}),
        });
        return { gate: name, at, ...result };
      } catch (error) {
        return { gate: name, verdict: 'error', at, evidence: { summary: `measurement failed: ${(error as Error).message}` } };
      }
    }),
  );
}

/** Template values the router knows, read once per measurement; a failure leaves them out (the query shows the placeholder). */
function valuesOf(router: TrafficRouter, log: Logger): Promise<Record<string, string> | undefined> {
  return router.templateValues!().catch((error: unknown) => {
    log.warn(`template values of ${router.type}: ${(error as Error).message}`);
    return undefined;
  });
}
