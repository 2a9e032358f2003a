// Progress on a terminal: a line per transition, and in a TTY a live status line
// (stage, weight, bake time left, last gate values) redrawn every second.
import { formatDuration } from '../config/duration.js';
import { stageLabel, stageSchedule, type Plan } from '../engine/plan.js';
import type { ReportKind, RolloutState } from '../engine/types.js';
import type { Clock, Logger, Reporter } from '../ports.js';
import { formatValue, statusLine } from './markdown.js';
import { logText } from './untrusted.js';
import { registerSecret } from '../util/secrets.js';

type Out = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
const ICON = { pass: '✔', fail: '✘', inconclusive: '?', waiting: '…', error: '!' } as const;

/** Terminal lines: secrets redacted, control characters (terminal escapes) made visible. */
export class ConsoleLogger implements Logger {
  constructor(
    private readonly err: Out,
    private readonly verbose = false,
  ) {}
  info(message: string) {
    this.err.write(`${logText(message)}\n`);
  }
  warn(message: string) {
    this.err.write(`warning: ${logText(message)}\n`);
  }
  debug(message: string) {
    if (this.verbose) this.err.write(`debug: ${logText(message)}\n`);
  }
  mask(secret: string) {
    registerSecret(secret);
  }
}

export class ConsoleReporter implements Reporter {
  private live: { plan: Plan; state: RolloutState } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private drawn = false;

  constructor(
    private readonly out: Out,
    private readonly clock: Clock,
    private readonly prefix = '',
  ) {}

  async report(kind: ReportKind, state: RolloutState, plan: Plan): Promise<void> {
    this.clearLive();
    const raw = this.line(kind, state, plan);
    // Reasons and summaries come from metric sources and commands: no terminal escapes, no secrets.
    const line = raw === undefined ? undefined : logText(raw);
    if (line)
      this.out.write(
        `${line
          .split('\n')
          .map((l) => `${this.prefix}${l}`)
          .join('\n')}\n`,
      );
    const done = kind === 'promoted' || kind === 'rolled-back' || kind === 'failed' || kind === 'paused' || kind === 'awaiting-approval';
    this.live = done ? undefined : { plan, state };
    if (this.out.isTTY && !done) this.startLive();
    else this.stopLive();
    this.drawLive();
  }

  close() {
    this.clearLive();
    this.stopLive();
  }

  private line(kind: ReportKind, state: RolloutState, plan: Plan): string | undefined {
    const stage = plan.stages[state.stage]!;
    const at = `[${new Date(this.clock.now()).toISOString().slice(11, 19)}]`;
    switch (kind) {
      case 'started':
        return `${at} rollout of ${plan.canary} to ${plan.environment}: ${plan.stages.map((s) => `${s.weight}%`).join(' → ')}`;
      case 'stage-started':
        return `${at} ${stageLabel(plan, state.stage)}: ${state.weight}% to ${plan.canary}${stage.bakeMs ? `, baking ${formatDuration(stageSchedule(plan, stage).minimumMs)}` : ''}`;
      case 'measured': {
        const latest = this.latest(state);
        return this.out.isTTY ? undefined : `${at}   ${latest}`;
      }
      case 'drift':
        return `${at} ${state.timeline.at(-1)?.message ?? 'drift'}`;
      case 'rolled-back':
      case 'promoted':
      case 'failed':
      case 'awaiting-approval':
      case 'paused':
      case 'resumed':
        return `${at} ${statusLine(plan, state, (text) => text).replace(/\*\*/g, '')}${kind === 'rolled-back' && state.failure ? `\n${at}   why: ${state.failure.reason}` : ''}`;
    }
  }

  /** The last measurement of each gate in the current stage. */
  private latest(state: RolloutState): string {
    const seen = new Map<string, RolloutState['measurements'][number]>();
    for (const m of state.measurements) if (m.stage === state.stage) seen.set(m.gate, m);
    return (
      [...seen.values()]
        .map((m) => `${ICON[m.verdict]} ${m.gate} ${m.evidence.value !== undefined ? formatValue(m.evidence.value) : m.evidence.summary}`)
        .join('  ') || 'no measurements yet'
    );
  }

  private startLive() {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.clearLive();
      this.drawLive();
    }, 1_000);
    this.timer.unref();
  }

  private stopLive() {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private drawLive() {
    if (!this.out.isTTY || !this.live) return;
    const { plan, state } = this.live;
    const stage = plan.stages[state.stage]!;
    const left =
      state.stageStartedAt !== undefined ? Math.max(0, state.stageStartedAt + stageSchedule(plan, stage).minimumMs - this.clock.now()) : 0;
    const text = `${this.prefix}▶ ${stageLabel(plan, state.stage)} · ${state.weight}% · bake ${formatDuration(left)} left · ${this.latest(state)}`;
    this.out.write(logText(text).slice(0, Math.max(20, (this.out.columns || 120) - 1)));
    this.drawn = true;
  }

  private clearLive() {
    if (this.drawn) this.out.write('\r\x1b[K');
    this.drawn = false;
  }
}
