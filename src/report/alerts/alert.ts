// What an alert says, whatever the channel: built once from the rollout (plan, state, what just
// happened) and handed to each channel's file, which only lays it out. Text from a spec, a metric
// source or a service is passed as data; each channel escapes it for its own format.
import type { Plan } from '../../engine/plan.js';
import type { RolloutState } from '../../engine/types.js';
import { formatValue } from '../markdown.js';

export const ALERT_EVENTS = ['started', 'stage-promoted', 'paused', 'rolled-back', 'promoted', 'failed', 'drift'] as const;
export type AlertEvent = (typeof ALERT_EVENTS)[number];

/** The report kinds people are alerted about; other kinds (each measurement, a resume) are not alerts. */
export function alertEventOf(kind: string, state: RolloutState): AlertEvent | undefined {
  switch (kind) {
    case 'started':
    case 'rolled-back':
    case 'promoted':
    case 'failed':
    case 'drift':
      return kind;
    case 'stage-started':
      return state.stage > 0 ? 'stage-promoted' : undefined; // stage 1 is the start
    case 'awaiting-approval':
    case 'paused':
      return 'paused';
    default:
      return undefined;
  }
}

export interface AlertLinks {
  run?: string;
  pullRequest?: string;
  deployment?: string;
}

export interface Alert {
  event: AlertEvent;
  /** Unique per rollout and event, for receivers that must not act twice. */
  id: string;
  at: number;
  environment: string;
  strategy: string;
  stable: string;
  canary: string;
  status: RolloutState['status'];
  /** 1-based, as people count stages. */
  stage: number;
  stages: number;
  weight: number;
  /** One line: what happened. */
  headline: string;
  /** Why it stopped, paused or drifted. */
  reason?: string;
  /** The failing gate's evidence (rollback and failure alerts). */
  evidence?: {
    gate?: string;
    summary: string;
    measured?: string;
    threshold?: string;
    canary?: string;
    baseline?: string;
    query?: string;
    link?: string;
  };
  links: AlertLinks;
}

const HEADLINES: Record<AlertEvent, (a: Omit<Alert, 'headline'>) => string> = {
  started: (a) => `Rollout of ${a.canary} to ${a.environment} started`,
  'stage-promoted': (a) => `${a.canary} moved to stage ${a.stage}/${a.stages} (${a.weight}%) in ${a.environment}`,
  paused: (a) => `Rollout of ${a.canary} to ${a.environment} paused at stage ${a.stage}/${a.stages}`,
  'rolled-back': (a) => `${a.canary} rolled back in ${a.environment}: ${a.stable} serves 100%`,
  promoted: (a) => `${a.canary} promoted: it serves 100% of ${a.environment}`,
  failed: (a) => `Rollout of ${a.canary} to ${a.environment} failed at stage ${a.stage}/${a.stages}`,
  drift: (a) => `Router drift in ${a.environment}: the weight in force is not the one Rollgate set`,
};

export function buildAlert(event: AlertEvent, plan: Plan, state: RolloutState, links: AlertLinks, sequence: number): Alert {
  const failure = state.failure;
  const e = failure?.evidence;
  const base = {
    event,
    id: `${state.id}:${sequence}:${event}`,
    at: state.updatedAt,
    environment: plan.environment,
    strategy: plan.strategy,
    stable: plan.stable,
    canary: plan.canary,
    status: state.status,
    stage: state.stage + 1,
    stages: plan.stages.length,
    weight: state.weight,
    links,
  };
  const reason = failure?.reason ?? state.pause?.reason ?? (event === 'drift' ? state.timeline.at(-1)?.message : undefined);
  return {
    ...base,
    headline: HEADLINES[event](base),
    ...(reason ? { reason } : {}),
    ...((event === 'rolled-back' || event === 'failed') && failure
      ? {
          evidence: {
            ...(failure.gate ? { gate: failure.gate } : {}),
            summary: e?.summary ?? failure.reason,
            ...(e?.value !== undefined ? { measured: formatValue(e.value) } : {}),
            ...(e?.threshold ? { threshold: e.threshold } : {}),
            ...(e?.canary !== undefined ? { canary: formatValue(e.canary) } : {}),
            ...(e?.baseline !== undefined ? { baseline: formatValue(e.baseline) } : {}),
            ...(e?.query ? { query: e.query } : {}),
            ...(e?.link ? { link: e.link } : {}),
          },
        }
      : {}),
  };
}

/** What a channel's file provides: the request body (and extra headers) for one alert. */
export interface AlertChannel {
  /** A short name for messages: "Slack", "Teams", "webhook". */
  label: string;
  request(alert: Alert): { body: string; headers?: Record<string, string> };
}

/** Cuts text to `max` characters with an ellipsis: every channel has limits. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Only web links are sent as links. */
export function webLink(url: string | undefined): string | undefined {
  return url && /^https?:\/\/[^\s]+$/i.test(url) ? url : undefined;
}
