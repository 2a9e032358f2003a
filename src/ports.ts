// The small interfaces the driver talks through. Providers implement one each, in one file.
// ports.ts imports types from src/engine/ only; the engine imports nothing from here.
import type { Measurement, RolloutState, ReportKind } from './engine/types.js';
import type { Plan, PlanHook } from './engine/plan.js';

// What a measurement is belongs to the engine (it judges them); providers import it from here.
export type { Evidence, Measurement, Verdict } from './engine/types.js';

/** Where a change of traffic happens: which stage, which environment, which versions. */
export interface RouteContext {
  /** The stage's number as users see it: 1-based (plans and state index stages from 0; see stageNumber in engine/plan.ts). */
  stage: number;
  stageName: string;
  environment: string;
  /** True when this change returns traffic to the stable version. */
  rollback: boolean;
  /** The weight the router confirmed last (a fleet router updates the servers in between). */
  from?: number;
  /**
   * Throws unless this run still holds the environment. Checked before each traffic change; a
   * router that changes servers one by one (rolling) checks again before each server.
   */
  holds?: () => Promise<void>;
}

/** Moves traffic between the stable and the canary version (Argo: setWeight / verifyWeight). */
export interface TrafficRouter {
  readonly type: string;
  /** Sends `weight` percent of new requests to the canary. Resolves once the router accepted it. */
  setWeight(weight: number, context: RouteContext): Promise<void>;
  /** The canary weight the router has in force now. */
  getWeight(): Promise<number>;
  /** True when the router has `weight` in force (read back, not remembered). */
  verify(weight: number): Promise<boolean>;
  close?(): Promise<void>;
  /**
   * Optional: makes the new version ready for traffic (a Kubernetes canary workload is applied and
   * awaited). Called once per run before the first change above 0 %; idempotent, so a re-run after a
   * crash finds what exists. A failure is a router error: no traffic moves.
   */
  prepare?(): Promise<void>;
  /**
   * Optional: after the end is decided, before it is recorded. 'promoted': the new version takes the
   * stable one's place and the canary goes; 'rolled-back' (traffic already at 0 %): the canary goes.
   * Idempotent; a crash in it leaves the rollout unfinished, so a re-run does it again.
   */
  finish?(outcome: 'promoted' | 'rolled-back'): Promise<void>;
  /** Optional: values for gate query templates the router knows ({{namespace}}, pod-template hashes). */
  templateValues?(): Promise<Record<string, string>>;
}

/** Values a gate's query templates may use: {{canary}}, {{stable}}, {{weight}}... */
export interface MeasureContext {
  canary: string;
  stable: string;
  baseline: string;
  weight: number;
  /** 1-based, as users see it (ROLLGATE_STAGE, {{stage}}). */
  stage: number;
  environment: string;
  /** A feature-flag rollout: the flag's key and the variation rolled out ({{flag}}, {{variation}}). */
  flag?: string;
  variation?: string;
  /** The gate's interval, e.g. "30s". */
  interval: string;
  /** Clock time of the measurement (ms since the epoch). */
  at: number;
  /** When the current stage's weight came into force (ms since the epoch): where comparisons start. */
  stageStartedAt?: number;
  /** Values the traffic router adds ({{namespace}}, {{canaryPodTemplateHash}}...; may override baseline). */
  values?: Record<string, string>;
  /** When each stage so far came into force, oldest first (1-based stages): a judge that spends
   *  its alpha over the whole rollout anchors at the first and accounts per stage. */
  stageStarts?: Array<{ stage: number; at: number }>;
  /** This is the gate's last measurement of the stage's bake: too few samples now is inconclusive,
   *  no longer 'waiting'. Left out, every measurement is taken as the last. */
  lastCheck?: boolean;
  signal?: AbortSignal;
}

/** One metric check. Errors should come back as verdict 'error', not as a rejection. */
export interface Gate {
  readonly name: string;
  readonly provider: string;
  measure(context: MeasureContext): Promise<Omit<Measurement, 'gate' | 'at'>>;
}

/** A rollout as recorded: the plan it started with (a resumed rollout keeps it) and where it stands. */
export interface RolloutRecord {
  plan: Plan;
  state: RolloutState;
  /** A hash of the plan and the router settings it started with: a record is obeyed only under the same spec. */
  binding?: string;
}

/**
 * Where a rollout's record lives between runs (a JSON file locally, a GitHub Deployment in Actions),
 * and who may drive it: one run per environment at a time.
 */
export interface StateStore {
  load(): Promise<RolloutRecord | undefined>;
  save(record: RolloutRecord): Promise<void>;
  /** Claims the environment for this run (a lock); throws, naming the holder, when another run has it. */
  claim?(): Promise<void>;
  /**
   * Throws unless this run still holds the environment. Called before every traffic change; a
   * rollback (`rollback: true`) must never wait on a remote service for it.
   */
  confirm?(change: { rollback: boolean }): Promise<void>;
  /** Gives the claim up at the end of the run. */
  release?(): Promise<void>;
}

/** Tells people what happened: console, PR comment, deployment status, job summary. */
export interface Reporter {
  report(kind: ReportKind, state: RolloutState, plan: Plan): Promise<void>;
}

/** What providers get besides their spec: the environment (for credentials) and a logger. */
export interface ProviderEnv {
  env: Record<string, string | undefined>;
  log: Logger;
  cwd: string;
}

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
  /** Keeps a secret value out of every later log line (GitHub masks it; the console redacts it). */
  mask(secret: string): void;
}

/** Runs a command of the plan (blue-green deploy / retire) with the rollout's context. */
export interface HookRunner {
  run(
    name: string,
    hook: PlanHook,
    /** stage is 1-based, as users see it. */
    context: { stage: number; weight: number; environment: string; stable: string; canary: string; signal?: AbortSignal },
  ): Promise<{ ok: boolean; message: string }>;
}

export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}
