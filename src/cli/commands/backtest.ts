import { parseArgs } from 'node:util';
import { EXIT, UsageError, type CliCommand } from '../command.js';
import { loadSpecArg, SPEC_OPTION } from '../spec-arg.js';
import { compilePlan } from '../../config/compile.js';
import type { GatePolicy } from '../../engine/plan.js';
import { judgeMeasurement } from '../../engine/policy.js';
import { formatDuration, parseDuration } from '../../config/duration.js';
import { createGate } from '../../gates/registry.js';
import { isReplayable, type ReplayedCheck } from '../../gates/metric-gate.js';
import { ConsoleLogger } from '../../report/console.js';

/** More checks than this per gate is a typo in --from or --step, not a backtest anyone reads. */
const MAX_CHECKS = 5_000;

export const backtestCommand: CliCommand = {
  help: `Usage: rollgate backtest --spec FILE --from T1 [--to T2] [--step 30s] [--gate NAME]... [--stage N] [--json]

Replays the window T1..T2 through the spec's metric gates (prometheus, datadog, newrelic,
cloudwatch) with range queries, as if a stage had begun at T1, and prints for each gate and
check time the verdict it would have given, then whether its limits (failureLimit,
consecutiveErrorLimit, inconclusiveLimit) would have rolled the rollout back, and when.

  --spec, -c FILE  the rollout spec (default .github/rollout.yml)
  --from T1        start: RFC 3339 (2026-05-01T14:00:00Z) or relative to now (-30m, -2h, now)
  --to T2          end, same forms (default now)
  --step D         time between checks (default each gate's interval)
  --gate NAME      only this gate (repeat for more)
  --stage N        the stage whose weight and number the query templates see (default 1)
  --json           print the checks as JSON

Gates that probe live (http, command) have no history and are listed as skipped.
Exit codes: 0 replayed (whatever the verdicts), 2 bad input, 4 a gate could not be replayed.`,
  async run(args, io) {
    const { values } = parseArgs({
      args: glueRelativeTimes(args),
      options: {
        ...SPEC_OPTION,
        spec: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        step: { type: 'string' },
        gate: { type: 'string', multiple: true },
        stage: { type: 'string' },
        json: { type: 'boolean' },
      },
    });
    const now = Date.now();
    if (!values.from) throw new UsageError('--from is required');
    const from = parseTime(values.from, now, '--from');
    const to = parseTime(values.to ?? 'now', now, '--to');
    if (to <= from) throw new UsageError(`--to (${iso(to)}) must be after --from (${iso(from)})`);
    const stepMs = values.step === undefined ? undefined : parseDuration(values.step);
    if (stepMs === 0 || (values.step !== undefined && stepMs === undefined))
      throw new UsageError(`--step: expected a duration such as "30s", got "${values.step}"`);

    const spec = await loadSpecArg(values.spec ?? values.config, io);
    if (!spec) return EXIT.badInput;
    const plan = compilePlan(spec);
    const stageNumber = values.stage === undefined ? 1 : Number(values.stage);
    const stage = plan.stages[stageNumber - 1];
    if (!Number.isInteger(stageNumber) || !stage)
      throw new UsageError(`--stage: expected 1 to ${plan.stages.length}, got "${values.stage}"`);
    const names = values.gate ?? Object.keys(spec.gates);
    const unknown = names.filter((name) => !(name in spec.gates));
    if (unknown.length)
      throw new UsageError(`no gate named ${unknown.join(', ')} (gates: ${Object.keys(spec.gates).join(', ') || 'none'})`);

    const log = new ConsoleLogger(io.stderr, Boolean(io.env.ROLLGATE_DEBUG));
    const reports: GateReport[] = [];
    for (const name of names) {
      const gateSpec = spec.gates[name]!;
      const policy = plan.gates[name]!;
      const step = stepMs ?? policy.intervalMs;
      const report: GateReport = { gate: name, provider: gateSpec.provider, stepMs: step, checks: [] };
      reports.push(report);
      if ((to - from) / step > MAX_CHECKS) {
        report.error = `${Math.floor((to - from) / step)} checks at a ${formatDuration(step)} step; use a larger --step (at most ${MAX_CHECKS} checks)`;
        continue;
      }
      try {
        const gate = createGate(name, gateSpec, { env: io.env, log, cwd: io.cwd });
        if (!isReplayable(gate)) {
          report.skipped = `${gateSpec.provider} gates probe live and have no history to replay`;
          continue;
        }
        const context = {
          canary: plan.canary,
          stable: plan.stable,
          baseline: plan.stable,
          weight: stage.weight,
          stage: stageNumber,
          environment: plan.environment,
          interval: formatDuration(policy.intervalMs),
        };
        report.checks = await gate.replay(context, from, to, step, io.signal);
        report.outcome = applyPolicy(name, policy, report.checks);
      } catch (error) {
        report.error = (error as Error).message;
      }
    }

    if (values.json) io.stdout.write(`${JSON.stringify({ from: iso(from), to: iso(to), stage: stageNumber, gates: reports }, null, 2)}\n`);
    else printReports(io.stdout, reports, { from, to, stageNumber, weight: stage.weight, canary: plan.canary });
    return reports.some((r) => r.error) ? EXIT.error : EXIT.ok;
  },
};

interface GateReport {
  gate: string;
  provider: string;
  stepMs: number;
  checks: ReplayedCheck[];
  /** What the gate's limits would have done over these checks. */
  outcome?: { rollback: boolean; at?: number; reason?: string; pauses: number };
  skipped?: string;
  error?: string;
}

/** Runs the checks through the engine's own gate policy, as one stage. */
function applyPolicy(gate: string, policy: GatePolicy, checks: ReplayedCheck[]): NonNullable<GateReport['outcome']> {
  const counters = { failures: 0, inconclusive: 0, consecutiveErrors: 0 };
  let pauses = 0;
  for (const check of checks) {
    const decision = judgeMeasurement(policy, counters, { gate, verdict: check.verdict, evidence: check.evidence, at: check.at });
    if (decision.action === 'rollback') return { rollback: true, at: check.at, reason: decision.reason, pauses };
    if (decision.action === 'pause') {
      // A person would have looked and lifted the pause; count it and go on as the engine does after approval.
      pauses += 1;
      counters.inconclusive = 0;
    }
  }
  return { rollback: false, pauses };
}

function printReports(
  out: NodeJS.WritableStream,
  reports: GateReport[],
  run: { from: number; to: number; stageNumber: number; weight: number; canary: string },
): void {
  out.write(`backtest ${iso(run.from)} → ${iso(run.to)}, templates as stage ${run.stageNumber} (${run.canary} at ${run.weight}%)\n`);
  for (const report of reports) {
    out.write(`\ngate ${report.gate} (${report.provider}, a check every ${formatDuration(report.stepMs)})\n`);
    if (report.skipped) {
      out.write(`  skipped: ${report.skipped}\n`);
      continue;
    }
    if (report.error) {
      out.write(`  error: ${report.error}\n`);
      continue;
    }
    const first = report.checks[0];
    if (first?.evidence.query)
      out.write(
        `${first.evidence.query
          .split('\n')
          .map((line) => `  ${line}`)
          .join('\n')}\n`,
      );
    if (first?.evidence.threshold) out.write(`  held against: ${first.evidence.threshold}\n`);
    const rows = [
      ['time', 'verdict', 'value', 'summary'],
      ...report.checks.map((c) => [iso(c.at), c.verdict, formatValue(c.evidence.value), c.evidence.summary]),
    ];
    const widths = [0, 1, 2].map((i) => Math.max(...rows.map((row) => row[i]!.length)));
    out.write('\n');
    for (const row of rows)
      out.write(
        `  ${row
          .map((cell, i) => (i < 3 ? cell.padEnd(widths[i]!) : cell))
          .join('  ')
          .trimEnd()}\n`,
      );
    const counts = new Map<string, number>();
    for (const check of report.checks) counts.set(check.verdict, (counts.get(check.verdict) ?? 0) + 1);
    out.write(`\n  ${[...counts].map(([verdict, n]) => `${n} ${verdict}`).join(', ') || 'no checks in this window'}\n`);
    const outcome = report.outcome;
    if (outcome?.rollback) out.write(`  would have rolled back at ${iso(outcome.at!)}: ${outcome.reason}\n`);
    else if (outcome)
      out.write(`  would not have rolled back${outcome.pauses ? ` (paused ${outcome.pauses}× for inconclusive checks)` : ''}\n`);
    const link = report.checks[report.checks.length - 1]?.evidence.link;
    if (link) out.write(`  ${link}\n`);
  }
}

function formatValue(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
}

/** parseArgs reads "--from -30m" as a missing value followed by an option: make it "--from=-30m". */
function glueRelativeTimes(args: string[]): string[] {
  const glued: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const next = args[i + 1];
    if ((args[i] === '--from' || args[i] === '--to') && next && /^-\d/.test(next)) {
      glued.push(`${args[i]}=${next}`);
      i += 1;
    } else glued.push(args[i]!);
  }
  return glued;
}

/** RFC 3339, or relative to now: "now", "-30m", "now-1h30m". */
export function parseTime(text: string, now: number, option: string): number {
  const relative = /^(?:now)?(?:-(.+))?$/.exec(text.trim());
  if (relative && (text.trim().startsWith('now') || relative[1] !== undefined)) {
    if (relative[1] === undefined) return now;
    const ago = parseDuration(relative[1]);
    if (ago !== undefined) return now - ago;
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(text.trim())) {
    const ms = Date.parse(text.trim());
    if (!Number.isNaN(ms)) return ms;
  }
  throw new UsageError(`${option}: expected RFC 3339 (2026-05-01T14:00:00Z) or a time relative to now (-30m, now), got "${text}"`);
}
