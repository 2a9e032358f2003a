// The rollout report as Markdown: the PR comment, the job summary and the demo's report file.
// On a rollback the failing gate's evidence comes first: that is what the person on call reads.
import { formatDuration } from '../config/duration.js';
import { stageLabel, stageNumber, stageSchedule, type Plan } from '../engine/plan.js';
import type { RecordedMeasurement, RolloutState } from '../engine/types.js';
import type { Evidence, Verdict } from '../ports.js';
import { flagHygieneSection } from './flag-hygiene.js';
import { mermaidChart, rolloutCharts } from './chart.js';
import { redact } from '../util/secrets.js';
import { markdownCode, markdownLink, markdownText } from './untrusted.js';

export interface ReportLinks {
  run?: string;
  deployment?: string;
  revertPullRequest?: string;
}

export interface MarkdownOptions {
  links?: ReportLinks;
  /** Extra sections (e.g. the migration lint) appended before the timeline. */
  sections?: string[];
  /** Upper bound of the body; GitHub refuses comments over 65,536 characters. */
  maxLength?: number;
}

const VERDICT_ICON: Record<Verdict, string> = { pass: '✅', fail: '❌', inconclusive: '❔', waiting: '⏳', error: '⚠️' };

/** The one-line status; `text` neutralises the untrusted reasons in it (Markdown by default). */
export function statusLine(plan: Plan, state: RolloutState, text: (untrusted: string) => string = markdownText): string {
  const stage = plan.stages[state.stage]!;
  const where = stageLabel(plan, state.stage);
  switch (state.status) {
    case 'promoted':
      return `✅ **Promoted** — ${plan.canary} serves 100% of ${plan.environment}`;
    case 'rolled-back':
      return `⏪ **Rolled back** at ${where} — ${plan.stable} serves 100% of ${plan.environment}`;
    case 'rolling-back':
      return `⏪ **Rolling back** from ${where}`;
    case 'failed':
      return `🛑 **Failed** at ${where} — ${text(state.failure?.reason ?? 'see the log')}`;
    case 'awaiting-approval':
      return `⏸️ **Waiting for approval** before ${where} (${stage.weight}%)`;
    case 'paused':
      return `⏸️ **Paused** at ${where} (${state.weight}%) — ${text(state.pause?.reason ?? '')}`;
    default:
      return `🚀 **In progress** — ${where} · ${state.weight}% to ${plan.canary}`;
  }
}

export function renderMarkdownReport(plan: Plan, state: RolloutState, options: MarkdownOptions = {}): string {
  const parts: string[] = [];
  parts.push(`### Rollgate · ${plan.environment} · ${plan.strategy}`, '', statusLine(plan, state), '');
  if (state.failure) parts.push(renderFailure(state.failure), '');
  if (options.links?.revertPullRequest) parts.push(`↩️ Revert pull request: ${options.links.revertPullRequest}`, '');
  parts.push(renderStageTable(plan, state), '');
  const hygiene = flagHygieneSection(plan, state, state.updatedAt);
  if (hygiene) parts.push(hygiene, '');
  const chart = renderChart(plan, state);
  if (chart) parts.push(chart, '');
  for (const section of options.sections ?? []) parts.push(section, '');
  const links = [
    options.links?.run ? `[workflow run](${options.links.run})` : '',
    options.links?.deployment ? `[deployment](${options.links.deployment})` : '',
  ].filter(Boolean);
  if (links.length) parts.push(links.join(' · '), '');
  const head = parts.join('\n');
  const max = options.maxLength ?? 60_000;
  // The timeline is the part that grows; it gives way first.
  const timeline = renderTimeline(state, Math.max(0, max - head.length - 200));
  // Secrets redacted last, over everything (names, links and sections included).
  const body = redact(`${head}${timeline}\n`);
  return body.length <= max ? body : `${body.slice(0, max - 40)}\n\n_(report truncated)_\n`;
}

export function renderFailure(failure: NonNullable<RolloutState['failure']>): string {
  const lines = [
    `> [!CAUTION]`,
    `> **${failure.gate ? `Gate \`${failure.gate}\` failed` : 'Rollout stopped'}** — ${markdownText(failure.reason)}`,
  ];
  if (failure.evidence) lines.push(...renderEvidence(failure.evidence).map((line) => `> ${line}`));
  return lines.join('\n');
}

function renderEvidence(evidence: Evidence): string[] {
  const lines: string[] = [];
  if (evidence.value !== undefined)
    lines.push(
      `- measured: \`${formatValue(evidence.value)}\`${evidence.threshold ? ` (expected ${markdownCode(evidence.threshold)})` : ''}`,
    );
  else if (evidence.threshold) lines.push(`- expected: ${markdownCode(evidence.threshold)}`);
  if (evidence.canary !== undefined || evidence.baseline !== undefined) {
    lines.push(`- canary \`${formatValue(evidence.canary)}\` vs baseline \`${formatValue(evidence.baseline)}\``);
  }
  if (evidence.query) lines.push(`- query: ${markdownCode(evidence.query, 1_000)}`);
  const link = markdownLink(evidence.link);
  if (link) lines.push(`- source: ${link}`);
  return lines;
}

function renderStageTable(plan: Plan, state: RolloutState): string {
  const rows = ['| # | weight | bake | gates | status | started |', '|---|---:|---|---|---|---|'];
  const started = new Map<number, number>();
  for (const entry of state.timeline) if (entry.kind === 'stage-started' && !started.has(entry.stage)) started.set(entry.stage, entry.at);
  for (const stage of plan.stages) {
    const measured = state.measurements.filter((m) => m.stage === stage.index);
    const gates =
      stage.gates
        .map((name) =>
          gateCell(
            name,
            measured.filter((m) => m.gate === name),
          ),
        )
        .join('<br>') || '—';
    const { minimumMs } = stageSchedule(plan, stage);
    const at = started.get(stage.index);
    rows.push(
      `| ${stageNumber(stage.index)} | ${stage.weight}% | ${minimumMs ? formatDuration(minimumMs) : '—'}${stage.approval ? ' · approval' : ''} | ${gates} | ${stageStatus(state, stage.index)} | ${at ? new Date(at).toISOString().slice(11, 19) : ''} |`,
    );
  }
  return rows.join('\n');
}

function gateCell(name: string, measurements: RecordedMeasurement[]): string {
  const last = measurements[measurements.length - 1];
  if (!last) return `\`${name}\` —`;
  // Waiting checks (too few samples yet) are neither ok nor bad: counted apart.
  const waiting = measurements.filter((m) => m.verdict === 'waiting').length;
  const ok = measurements.filter((m) => m.verdict === 'pass').length;
  const value = last.evidence.value !== undefined ? ` ${formatValue(last.evidence.value)}` : '';
  const limit = last.evidence.threshold ? ` (${markdownText(last.evidence.threshold, 80)})` : '';
  return `${VERDICT_ICON[last.verdict]} \`${name}\`${value}${limit} · ${ok}/${measurements.length - waiting} ok${waiting ? ` · ${waiting} waiting` : ''}`;
}

function stageStatus(state: RolloutState, index: number): string {
  if (index < state.stage) return 'done';
  if (index > state.stage)
    return state.status === 'promoted' ? 'done' : state.status === 'rolled-back' || state.status === 'failed' ? 'skipped' : 'pending';
  switch (state.status) {
    case 'promoted':
      return 'done';
    case 'rolled-back':
    case 'rolling-back':
      return '**rolled back**';
    case 'failed':
      return '**failed**';
    case 'awaiting-approval':
      return 'waiting for approval';
    case 'paused':
      return 'paused';
    default:
      return state.phase === 'baking' ? 'baking' : 'shifting';
  }
}

/** Mermaid charts (GitHub renders them): the canary weight and each gate's main value over time. */
export function renderChart(plan: Plan, state: RolloutState): string | undefined {
  const charts = rolloutCharts(plan, state);
  return charts.length ? charts.map(mermaidChart).join('\n\n') : undefined;
}

function renderTimeline(state: RolloutState, budget: number): string {
  if (!state.timeline.length || budget < 200) return '';
  const lines = state.timeline.map((e) => `- \`${new Date(e.at).toISOString().slice(11, 19)}\` ${markdownText(e.message)}`);
  let kept = lines;
  while (kept.join('\n').length > budget - 120 && kept.length > 1) kept = kept.slice(Math.ceil(kept.length / 4));
  const dropped = lines.length - kept.length;
  return [
    '<details><summary>Timeline</summary>',
    '',
    ...(dropped ? [`- … ${dropped} earlier entries`] : []),
    ...kept,
    '',
    '</details>',
  ].join('\n');
}

export function formatValue(value: number | null | undefined): string {
  if (value === null || value === undefined) return 'no data';
  if (!Number.isFinite(value)) return String(value);
  return String(round(value));
}

const round = (value: number) => (Math.abs(value) >= 100 ? Math.round(value * 10) / 10 : Number(value.toPrecision(4)));
