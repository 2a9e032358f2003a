// Deployment status descriptions: at most 140 characters, written for people, and read back by
// Rollgate to resume. The in-progress form is fixed: `stage K/N · W% · …`.
import { stageLabel, stageNumber, type Plan } from '../engine/plan.js';
import type { Outcome, RolloutState } from '../engine/types.js';
import { formatValue } from '../report/markdown.js';
import { redact } from '../util/secrets.js';

export const MAX_DESCRIPTION = 140;

export type DeploymentState = 'error' | 'failure' | 'inactive' | 'in_progress' | 'queued' | 'pending' | 'success';

export interface StatusText {
  state: DeploymentState;
  description: string;
}

/** What a deployment status says about the rollout: enough to resume it at the recorded stage. */
export interface RecordedPosition {
  status: 'progressing' | 'awaiting-approval' | 'paused';
  /** 0-based stage index. */
  stage: number;
  stages: number;
  weight: number;
  reason?: string;
}

const clip = (raw: string) => {
  const text = redact(raw).replace(/\s+/g, ' ');
  return text.length <= MAX_DESCRIPTION ? text : `${text.slice(0, MAX_DESCRIPTION - 1)}…`;
};

/** "3/3 gates passing": each gate's latest measurement. */
export function gateTally(state: RolloutState): string | undefined {
  const latest = new Map<string, string>();
  for (const m of state.measurements) latest.set(m.gate, m.verdict);
  if (!latest.size) return undefined;
  const passing = [...latest.values()].filter((v) => v === 'pass').length;
  return `${passing}/${latest.size} gates passing`;
}

/** Why the rollout stopped, in one line: the failed gate and its value against the threshold. */
export function failureLine(state: RolloutState): string {
  const failure = state.failure;
  if (!failure) return 'stopped';
  if (!failure.gate) return failure.reason;
  const evidence = failure.evidence;
  const value = evidence && evidence.value !== undefined ? ` ${formatValue(evidence.value)}` : '';
  const limit = evidence?.threshold ? ` (${evidence.threshold})` : '';
  return `gate ${failure.gate}${value}${limit}${value || limit ? '' : `: ${failure.reason}`}`;
}

/** A manual abort or a gate verdict is a deliberate `failure`; a crash, an interruption or a broken router is an `error`. */
export function isDeliberateStop(state: RolloutState): boolean {
  return Boolean(state.failure?.gate) || /^aborted: (?!interrupted)/.test(state.failure?.reason ?? '');
}

export function statusText(plan: Plan, state: RolloutState): StatusText {
  const where = stageLabel(plan, state.stage);
  switch (state.status) {
    case 'promoted':
      return { state: 'success', description: clip(['promoted', '100%', gateTally(state)].filter(Boolean).join(' · ')) };
    case 'rolled-back':
    case 'rolling-back':
      return { state: isDeliberateStop(state) ? 'failure' : 'error', description: clip(`rolled back at ${where} · ${failureLine(state)}`) };
    case 'failed':
      return { state: 'error', description: clip(`failed at ${where} · ${state.failure?.reason ?? 'see the run log'}`) };
    case 'awaiting-approval':
      return { state: 'queued', description: clip(`${where} · ${state.weight}% · awaiting approval`) };
    case 'paused':
      return { state: 'queued', description: clip(`${where} · ${state.weight}% · paused: ${state.pause?.reason ?? 'inconclusive'}`) };
    default: {
      const stage = plan.stages[state.stage];
      const detail = gateTally(state) ?? (stage?.gates.length ? `${stage.gates.length} gates to measure` : 'no gates');
      return { state: 'in_progress', description: clip(`${where} · ${state.weight}% · ${detail}`) };
    }
  }
}

const POSITION = /^stage (\d+)\/(\d+) · (\d+)% · (.*)$/s;

/** Reads an in-progress or waiting status back; undefined for any other text. */
export function parsePosition(state: string, description: string): RecordedPosition | undefined {
  if (state !== 'in_progress' && state !== 'queued') return undefined;
  const match = POSITION.exec(description);
  if (!match) return undefined;
  const [, stage, stages, weight, rest] = match;
  const status = rest!.startsWith('awaiting approval') ? 'awaiting-approval' : rest!.startsWith('paused') ? 'paused' : 'progressing';
  const reason = status === 'paused' ? rest!.replace(/^paused: /, '') : undefined;
  return { status, stage: Number(stage) - 1, stages: Number(stages), weight: Number(weight), ...(reason ? { reason } : {}) };
}

/** Where a recorded status leaves the rollout, for `command: status` and a repeated `abort`. */
export function readStatus(state: string, description: string): { outcome?: Outcome; stage?: number; weight?: number } {
  const position = parsePosition(state, description);
  if (position)
    return {
      ...(position.status === 'progressing' ? {} : { outcome: 'paused' as const }),
      stage: stageNumber(position.stage),
      weight: position.weight,
    };
  if (state === 'success' && description.startsWith('promoted')) return { outcome: 'promoted', weight: 100 };
  const stopped = /^(rolled back|failed) at stage (\d+)\/\d+/.exec(description);
  if (stopped && (state === 'failure' || state === 'error')) {
    return stopped[1] === 'failed'
      ? { outcome: 'failed', stage: Number(stopped[2]) }
      : { outcome: 'rolled-back', stage: Number(stopped[2]), weight: 0 };
  }
  return {};
}
