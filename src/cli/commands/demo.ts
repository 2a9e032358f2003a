import { parseArgs } from 'node:util';
import { mkdir, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { EXIT, UsageError, type CliCommand } from '../command.js';
import { runScenario, type ScenarioResult } from '../../demo/scenario.js';
import type { Fault } from '../../demo/service.js';
import { ConsoleLogger, ConsoleReporter } from '../../report/console.js';
import { renderMarkdownReport } from '../../report/markdown.js';
import { renderHtmlReport, type HtmlSection } from '../../report/html.js';
import { systemClock } from '../../driver/clock.js';
import { formatDuration } from '../../config/duration.js';
import { stageNumber } from '../../engine/plan.js';
import type { RecordedMeasurement } from '../../engine/types.js';
import { formatNumber, formatP } from '../../gates/judge/mann-whitney.js';

const FAULTS: Record<string, { fault: Fault; label: string }> = {
  errors: { fault: { errorRate: 0.1 }, label: '10% HTTP 500' },
  latency: { fault: { extraLatencyMs: 200 }, label: '+200 ms latency' },
};

export const demoCommand: CliCommand = {
  help: `Usage: rollgate demo [--scenario both|healthy|faulty] [--fault errors|latency] [--bake 10s] [--rps 200]
                     [--report FILE]

Starts two versions of a small HTTP service on 127.0.0.1, the embedded weighted router in front of
them and a load generator, then runs a canary 1% → 5% → 25% → 50% → 100%. The second run ships a
version with a fault (default 10% HTTP 500) and shows the automatic rollback with its evidence.
Nothing leaves this machine; nothing needs installing.

Exit codes: with --scenario both, 0 when the healthy run promoted and the faulty run rolled back;
with one scenario, the rollout's own code (0 promoted, 1 rolled back); 4 on error.`,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: {
        scenario: { type: 'string', default: 'both' },
        fault: { type: 'string', default: 'errors' },
        bake: { type: 'string', default: '10s' },
        rps: { type: 'string', default: '200' },
        report: { type: 'string', default: '.rollgate/demo-report.md' },
      },
    });
    const fault = FAULTS[values.fault];
    if (!fault) throw new UsageError(`--fault must be errors or latency (got ${values.fault})`);
    if (!['both', 'healthy', 'faulty'].includes(values.scenario))
      throw new UsageError(`--scenario must be both, healthy or faulty (got ${values.scenario})`);
    const rps = Number(values.rps);
    if (!Number.isFinite(rps) || rps < 10 || rps > 2_000) throw new UsageError('--rps must be a number from 10 to 2000');

    const log = new ConsoleLogger(io.stderr);
    const out = io.stdout;
    out.write(`Rollgate demo — everything runs on 127.0.0.1; nothing leaves this machine.\n`);
    const reports: string[] = [];
    const sections: HtmlSection[] = [];
    const results: ScenarioResult[] = [];
    const run = async (title: string, stable: string, canary: string, scenarioFault: Fault) => {
      out.write(`\n━━ ${title} ━━\n`);
      const reporter = new ConsoleReporter(out, systemClock, '  ');
      const result = await runScenario({ stable, canary, fault: scenarioFault, bake: values.bake, rps, reporter, log, signal: io.signal });
      reporter.close();
      const { load } = result;
      const split = Object.entries(load.byVersion)
        .map(([v, n]) => `${v} ${n}`)
        .join(', ');
      out.write(
        `  load: ${load.sent} requests in ${formatDuration(result.durationMs)} — ${load.failed} HTTP 5xx, ${load.errors} connection errors (answered by: ${split})\n`,
      );
      out.write('  what the judges saw (the latest judged check of each gate):\n');
      for (const gate of Object.keys(result.plan.gates)) {
        const seen = result.state.measurements.filter((m) => m.gate === gate);
        const latest = seen.findLast((m) => m.verdict === 'pass' || m.verdict === 'fail') ?? seen.at(-1);
        for (const line of latest ? judgement(latest) : [`${gate}: never measured`]) out.write(`    ${line}\n`);
      }
      reports.push(`## ${title}\n\n${renderMarkdownReport(result.plan, result.state)}`);
      sections.push({ title, plan: result.plan, state: result.state });
      results.push(result);
      return result;
    };

    if (values.scenario !== 'faulty') await run('Run 1: healthy canary v2 (v1 is stable)', 'v1', 'v2', {});
    if (values.scenario !== 'healthy' && !io.signal.aborted)
      await run(`Run 2: faulty canary v3 (${fault.label}; v2 is stable)`, 'v2', 'v3', fault.fault);

    const reportPath = resolve(io.cwd, values.report);
    await mkdir(resolve(reportPath, '..'), { recursive: true });
    await writeFile(reportPath, `# Rollgate demo report\n\n${reports.join('\n\n')}`);
    const htmlPath = reportPath.replace(/(\.md)?$/i, '.html');
    await writeFile(htmlPath, renderHtmlReport(sections, 'Rollgate demo report'));
    out.write(`\nReport (Markdown): ${reportPath}\nReport (HTML, with charts): ${htmlPath}\n`);

    if (values.scenario === 'both') {
      const [healthy, faulty] = results;
      const asExpected = healthy?.outcome === 'promoted' && faulty?.outcome === 'rolled-back';
      out.write(
        asExpected ? 'Both runs behaved as expected: promoted, then rolled back.\n' : 'The demo did not go as expected; see above.\n',
      );
      return asExpected ? EXIT.ok : EXIT.error;
    }
    const outcome = results[0]?.outcome;
    return outcome === 'promoted'
      ? EXIT.promoted
      : outcome === 'rolled-back'
        ? EXIT.rolledBack
        : outcome === 'paused'
          ? EXIT.paused
          : EXIT.error;
  },
};

/** A gate's check in words: the verdict, what was compared, and the figures the judge went by. */
function judgement(m: RecordedMeasurement): string[] {
  const e = m.evidence;
  const d = e.details ?? {};
  const lines = [`${m.gate}: ${m.verdict} at stage ${stageNumber(m.stage)} — ${e.summary}`];
  const queries = Object.fromEntries((e.query ?? '').split('\n').map((line) => line.split(': ') as [string, string]));
  if (d.judge === 'sequential') {
    lines.push(
      `  compared ${queries.canary} of ${queries.canaryRequests} (canary) with ${queries.baseline} of ${queries.baselineRequests} (baseline), every step since the rollout began`,
      `  judged: canary ${d.canaryErrors} errors in ${d.canaryRequests} requests, baseline ${d.baselineErrors} in ${d.baselineRequests}` +
        ` (${d.warmupIntervals} warm-up steps shown, not judged)`,
    );
    const stages = (d.stages ?? []) as Array<{ stage: number; p: number }>;
    if (stages.length)
      lines.push(`  always-valid p at the end of each stage: ${stages.map((s) => `${s.stage}: ${formatP(s.p)}`).join(', ')}`);
  } else if (d.judge === 'mann-whitney') {
    const samples = (d.samples ?? {}) as { canary?: number; baseline?: number };
    lines.push(
      `  compared ${queries.canary} (canary) with ${queries.baseline} (baseline), one value per step since the stage began`,
      `  judged: ${samples.canary} canary and ${samples.baseline} baseline values` +
        (d.warmupSamples ? ` (${d.warmupSamples} from the warm-up shown, not judged)` : '') +
        (typeof d.margin === 'number' ? `, a regression only beyond +${formatNumber(d.margin)}` : '') +
        (d.method ? `, ${d.method} p-value` : ''),
    );
  }
  return lines;
}
