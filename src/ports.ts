// The small interfaces the driver talks through. Providers implement one each, in one file.
import type { RolloutState, ReportKind } from './engine/types.js';
import type { Plan, PlanHook } from './engine/plan.js';

/** Where a change of traffic happens: which stage, which environment, which versions. */
export interface RouteContext {
  stage: number;
  stageName: string;
  environment: string;
  /** True when this change returns traffic to the stable version. */
  rollback: boolean;
  /** The weight the router confirmed last (a fleet router updates the servers in between). */
  from?: number;
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
}

export type Verdict = 'pass' | 'fail' | 'inconclusive' | 'error';

/** Why a measurement came out as it did: enough for a reviewer to check it without rerunning. */
export interface Evidence {
  /** The rendered query or probe, e.g. the PromQL after template substitution. */
  query?: string;
  /** The measured value (a ratio, a latency, a p-value...). */
  value?: number | null;
  /** For comparisons: the canary and baseline values or sample summaries. */
  canary?: number | null;
  baseline?: number | null;
  /** The threshold or test it was held against, as text ("< 0.01", "mann-whitney p=0.003 < 0.05"). */
  threshold?: string;
  /** One line a human reads first. */
  summary: string;
  /** Link back to the source (Prometheus graph, Datadog notebook, ...). */
  link?: string;
  /** Provider-specific extras, kept small. */
  details?: Record<string, unknown>;
}

export interface Measurement {
  gate: string;
  verdict: Verdict;
  evidence: Evidence;
  /** Milliseconds since the epoch (clock time of the driver). */
  at: number;
}

/** Values a gate's query templates may use: {{canary}}, {{stable}}, {{weight}}... */
export interface MeasureContext {
  canary: string;
  stable: string;
  baseline: string;
  weight: number;
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
}

/** Where a rollout's record lives between runs (a JSON file locally, a GitHub Deployment in Actions). */
export interface StateStore {
  load(): Promise<RolloutRecord | undefined>;
  save(record: RolloutRecord): Promise<void>;
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
    context: { stage: number; weight: number; environment: string; stable: string; canary: string; signal?: AbortSignal },
  ): Promise<{ ok: boolean; message: string }>;
}

export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}
