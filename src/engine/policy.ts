// Gate policy: what one measurement does to a gate's counters, and whether the rollout goes on.
import type { GatePolicy } from './plan.js';
import type { Evidence, GateCounters, Measurement } from './types.js';

export type GateDecision =
  { action: 'continue' } | { action: 'pause'; reason: string } | { action: 'rollback'; reason: string; gate: string; evidence: Evidence };

/**
 * failureLimit counts failures over the whole rollout (a regression that comes and goes still
 * counts); inconclusiveLimit counts within a stage (more traffic at the next stage brings data);
 * consecutiveErrorLimit counts errors in a row (one flaky scrape is not a regression).
 * A 'waiting' measurement (too few samples yet, the bake not over) is kept aside: forgotten once
 * the gate judges, counted as inconclusive when the stage ends with the gate still short of data.
 * Counters are updated in place.
 */
export function judgeMeasurement(policy: GatePolicy, counters: GateCounters, m: Measurement): GateDecision {
  switch (m.verdict) {
    case 'waiting':
      counters.consecutiveErrors = 0;
      counters.waiting = (counters.waiting ?? 0) + 1;
      return { action: 'continue' };
    case 'pass':
      counters.consecutiveErrors = 0;
      delete counters.waiting;
      return { action: 'continue' };
    case 'fail':
      counters.consecutiveErrors = 0;
      delete counters.waiting;
      counters.failures += 1;
      if (counters.failures > policy.failureLimit) {
        return {
          action: 'rollback',
          gate: m.gate,
          evidence: m.evidence,
          reason: `gate "${m.gate}" failed ${counters.failures} time${counters.failures === 1 ? '' : 's'} (failureLimit ${policy.failureLimit}): ${m.evidence.summary}`,
        };
      }
      return { action: 'continue' };
    case 'inconclusive': {
      counters.consecutiveErrors = 0;
      const waited = counters.waiting ?? 0;
      delete counters.waiting;
      counters.inconclusive += 1 + waited;
      if (counters.inconclusive > policy.inconclusiveLimit) {
        const times = waited
          ? `${counters.inconclusive} times in this stage (${waited} of them waiting for samples)`
          : `${counters.inconclusive} times in this stage`;
        const reason = `gate "${m.gate}" was inconclusive ${times} (inconclusiveLimit ${policy.inconclusiveLimit}): ${m.evidence.summary}`;
        return policy.onInconclusive === 'rollback'
          ? { action: 'rollback', gate: m.gate, evidence: m.evidence, reason }
          : { action: 'pause', reason };
      }
      return { action: 'continue' };
    }
    case 'error':
      counters.consecutiveErrors += 1;
      if (counters.consecutiveErrors > policy.consecutiveErrorLimit) {
        return {
          action: 'rollback',
          gate: m.gate,
          evidence: m.evidence,
          reason: `gate "${m.gate}" could not be measured ${counters.consecutiveErrors} times in a row (consecutiveErrorLimit ${policy.consecutiveErrorLimit}): ${m.evidence.summary}`,
        };
      }
      return { action: 'continue' };
  }
}
