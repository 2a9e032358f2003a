// Flag hygiene: every flag should have an expiration plan. A flag rollout that reached 100 % has done
// its job; once it has stayed there longer than the spec's `removeAfter`, the flag (and the old code
// path behind it) is listed as a candidate to remove from the code.
import { formatDuration } from '../config/duration.js';
import type { Plan } from '../engine/plan.js';
import type { RolloutState } from '../engine/types.js';

export interface FlagAtFull {
  flag: string;
  environment: string;
  variation: string;
  /** When the flag reached 100 % (ms since the epoch), as the rollout's timeline recorded it. */
  since: number;
  /** When it becomes a candidate for removal. */
  removeBy: number;
}

/** When a flag rollout reached 100 % and stayed there: the last move to 100 % of a promoted rollout. */
export function fullSince(state: RolloutState): number | undefined {
  if (state.status !== 'promoted' || state.weight !== 100) return undefined;
  let since: number | undefined;
  for (const entry of state.timeline) {
    if (entry.kind === 'warning') continue;
    if (entry.weight === 100) since ??= entry.at;
    else since = undefined;
  }
  return since;
}

export function flagAtFull(plan: Plan, state: RolloutState): FlagAtFull | undefined {
  const since = plan.flag ? fullSince(state) : undefined;
  if (!plan.flag || since === undefined) return undefined;
  return {
    flag: plan.flag.key,
    environment: plan.environment,
    variation: plan.flag.variation,
    since,
    removeBy: since + plan.flag.removeAfterMs,
  };
}

/** Flags fully rolled out for longer than their removeAfter (or `maxAgeMs`, when given). */
export function removalCandidates(
  records: Array<{ plan: Plan; state: RolloutState }>,
  now: number,
  maxAgeMs?: number,
): Array<FlagAtFull & { ageMs: number }> {
  return records
    .map(({ plan, state }) => flagAtFull(plan, state))
    .filter((f): f is FlagAtFull => f !== undefined)
    .map((f) => ({ ...f, ageMs: now - f.since }))
    .filter((f) => (maxAgeMs === undefined ? now >= f.removeBy : f.ageMs >= maxAgeMs))
    .sort((a, b) => b.ageMs - a.ageMs);
}

const DAY_MS = 86_400_000;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const age = (ms: number) => (ms >= DAY_MS ? `${Math.floor(ms / DAY_MS)}d` : formatDuration(ms));

/** One line per candidate, for the console and the report. */
export function describeCandidate(f: FlagAtFull & { ageMs: number }): string {
  return `${f.flag} (${f.environment}): at 100% since ${day(f.since)}, ${age(f.ageMs)} ago — remove the flag and the code path it replaced`;
}

/** The report's line for a flag rollout that reached 100 %: when the flag is due for removal. */
export function flagHygieneSection(plan: Plan, state: RolloutState, now: number): string | undefined {
  const full = flagAtFull(plan, state);
  if (!full) return undefined;
  const due = now >= full.removeBy;
  return due
    ? `🧹 Flag \`${full.flag}\` has served \`${full.variation}\` to everyone since ${day(full.since)}: remove it from the code.`
    : `🧹 Flag \`${full.flag}\` now serves \`${full.variation}\` to everyone. Plan its removal from the code by ${day(full.removeBy)}.`;
}
