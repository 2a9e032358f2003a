// The job log: messages through @actions/core (warnings become annotations, secrets are masked),
// and a collapsible group per stage with each measurement in it.
import * as core from '@actions/core';
import { stageNumber, type Plan } from '../engine/plan.js';
import type { ReportKind, RolloutState } from '../engine/types.js';
import type { Logger, Reporter } from '../ports.js';
import { statusLine } from '../report/markdown.js';
import { logText } from '../report/untrusted.js';
import { registerSecret } from '../util/secrets.js';

// Every line goes through logText: data (a metric source's error, a command's output) cannot start a
// workflow command, and registered secrets are redacted even where GitHub's masking misses them.
export const actionsLogger: Logger = {
  info: (message) => core.info(logText(message)),
  warn: (message) => core.warning(logText(message)),
  debug: (message) => core.debug(logText(message)),
  mask: (secret) => {
    // GitHub masks a multi-line value only line by line: register each line too.
    core.setSecret(secret);
    for (const part of registerSecret(secret)) if (part !== secret) core.setSecret(part);
  },
};

const ICON = { pass: '✔', fail: '✘', inconclusive: '?', waiting: '…', error: '!' } as const;

export class LogGroupReporter implements Reporter {
  private open = false;
  /** Measurements already printed (gate@time): state keeps only the latest few hundred. */
  private readonly shown = new Set<string>();

  async report(kind: ReportKind, state: RolloutState, plan: Plan): Promise<void> {
    for (const m of state.measurements) {
      const key = `${m.gate}@${m.at}`;
      if (this.shown.has(key)) continue;
      this.shown.add(key);
      core.info(logText(`${ICON[m.verdict]} ${m.gate}: ${m.evidence.summary}`));
    }
    if (kind === 'measured') return;
    if (kind === 'drift') {
      core.warning(stripMarkdown(state.timeline.at(-1)?.message ?? 'drift'));
      return;
    }
    if (kind === 'stage-started' || kind === 'resumed') {
      this.close();
      const stage = plan.stages[state.stage]!;
      core.startGroup(
        `Stage ${stageNumber(state.stage)}/${plan.stages.length} · ${state.weight}% to ${plan.canary}${stage.gates.length ? ` · gates: ${stage.gates.join(', ')}` : ''}`,
      );
      this.open = true;
    }
    if (kind !== 'stage-started' && kind !== 'resumed') this.close();
    core.info(logText(kind === 'started' ? state.timeline.at(-1)!.message : stripMarkdown(statusLine(plan, state, (text) => text))));
  }

  close(): void {
    if (this.open) core.endGroup();
    this.open = false;
  }
}

const stripMarkdown = (text: string) => text.replace(/\*\*/g, '');
