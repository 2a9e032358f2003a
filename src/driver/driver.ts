// The driver runs the pure engine against the real world: it performs each effect through a port
// and feeds the answer back as the next event.
import { formatDuration } from '../config/duration.js';
import { initialState, isFinished, step } from '../engine/engine.js';
import { stageNumber, type Plan } from '../engine/plan.js';
import type { EngineEvent, Outcome, RolloutState } from '../engine/types.js';
import type { Clock, Gate, HookRunner, Logger, Measurement, Reporter, RouteContext, StateStore, TrafficRouter } from '../ports.js';

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
  /** A manual control for the rollout in progress: approve (or promote fully), or abort. */
  command?: { type: 'approve'; by?: string; full?: boolean } | { type: 'abort'; reason: string };
  /** Aborting this signal rolls the rollout back (Ctrl-C, job cancelled). */
  signal?: AbortSignal;
  /** Attempts for each traffic change before it counts as a router error. */
  routerAttempts?: number;
}

export interface DriveResult {
  outcome: Outcome;
  state: RolloutState;
  plan: Plan;
}

export async function drive(ports: DriverPorts, options: DriveOptions): Promise<DriveResult> {
  const { clock, store, log } = ports;
  const recorded = await store.load();
  const resuming = recorded && !isFinished(recorded.state);
  const plan = resuming ? recorded.plan : options.plan;
  let state = resuming ? recorded.state : initialState(options.id, clock.now());
  if (resuming && JSON.stringify(recorded.plan) !== JSON.stringify(options.plan)) {
    log.warn('the spec changed since this rollout started; it goes on with the plan it started with');
  }

  if (options.command && !resuming) throw new Error(`no rollout in progress for ${options.plan.environment} to ${options.command.type}`);
  let event: EngineEvent | undefined = commandEvent(options.command, state, clock.now()) ?? { type: 'start', at: clock.now() };
  const interrupted = () => options.signal?.aborted === true && state.status !== 'rolling-back';

  for (;;) {
    if (!event) throw new Error(`engine gave no next step in status ${state.status}`);
    const result = step(plan, state, event);
    state = result.state;
    event = undefined;

    for (const effect of result.effects) {
      switch (effect.type) {
        case 'save':
          await store.save({ plan, state });
          break;
        case 'report':
          await Promise.all(
            ports.reporters.map((reporter) =>
              reporter.report(effect.kind, state, plan).catch((error: unknown) => log.warn(`report failed: ${(error as Error).message}`)),
            ),
          );
          break;
        case 'set-weight':
          event = await setWeight(ports, plan, state, effect.weight, effect.rollback, options.routerAttempts ?? 3);
          break;
        case 'run-hook':
          event = await runHook(ports, plan, state, effect.hook, options.signal);
          break;
        case 'measure':
          event = { type: 'measured', results: await measure(ports, plan, state, effect.gates, options.signal), at: clock.now() };
          break;
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
          if (!answer) return { outcome: 'paused', state, plan };
          event =
            'abort' in answer
              ? { type: 'abort', reason: answer.reason, at: clock.now() }
              : { type: 'approve', at: clock.now(), ...(answer.by ? { by: answer.by } : {}), ...(answer.full ? { full: true } : {}) };
          break;
        }
        case 'finish':
          return { outcome: effect.outcome, state, plan };
      }
    }
    if (interrupted() && !isFinished(state)) {
      log.warn('interrupted: returning traffic to the stable version');
      event = { type: 'abort', reason: 'interrupted', at: clock.now() };
    }
  }
}

function commandEvent(command: DriveOptions['command'], state: RolloutState, at: number): EngineEvent | undefined {
  if (!command) return undefined;
  if (command.type === 'abort') return { type: 'abort', reason: command.reason, at };
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
): Promise<EngineEvent> {
  const stage = plan.stages[state.stage]!;
  const context: RouteContext = {
    stage: stageNumber(state.stage),
    stageName: stage.name,
    environment: plan.environment,
    rollback,
    from: state.weight,
  };
  let lastError = '';
  // A rollback tries harder: it is the way back to safety.
  const tries = rollback ? attempts + 2 : attempts;
  for (let attempt = 1; attempt <= tries; attempt++) {
    try {
      await ports.router.setWeight(weight, context);
      if (await ports.router.verify(weight)) return { type: 'weight-set', weight, at: ports.clock.now() };
      lastError = `router ${ports.router.type} did not confirm ${weight}% (reads ${await ports.router.getWeight().catch(() => '?')}%)`;
    } catch (error) {
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
          ...(signal ? { signal } : {}),
        });
        return { gate: name, at, ...result };
      } catch (error) {
        return { gate: name, verdict: 'error', at, evidence: { summary: `measurement failed: ${(error as Error).message}` } };
      }
    }),
  );
}
