// The job log: messages through @actions/core (warnings become annotations, secrets are masked),
// and a collapsible group per stage with each measurement in it.
import * as core from '@actions/core';
import { stageNumber, type Plan } from '../engine/plan.js';
import type { ReportKind, RolloutState } from '../engine/types.js';
import type { Logger, Reporter } from '../ports.js';
import { statusLine } from '../report/markdown.js';

export const actionsLogger: Logger = {
  info: (message) => core.info(message),
  warn: (message) => core.warning(message),
  debug: (message) => core.debug(message),
  mask: (secret) => core.setSecret(secret),
};

const ICON = { pass: '✔', fail: '✘', inconclusive: '?', error: '!' } as const;

export class LogGroupReporter implements Reporter {
  private open = false;
  /** Measurements already printed (gate@time): state keeps only the latest few hundred. */
  private readonly shown = new Set<string>();

  async report(kind: ReportKind, state: RolloutState, plan: Plan): Promise<void> {
    for (const m of state.measurements) {
      const key = `${m.gate}@${m.at}`;
      if (this.shown.has(key)) continue;
      this.shown.add(key);
      core.info(`${ICON[m.verdict]} ${m.gate}: ${m.evidence.summary}`);
    }
    if (kind === 'measured') return;
    if (kind === 'stage-started' || kind === 'resumed') {
      this.close();
      const stage = plan.stages[state.stage]!;
      core.startGroup(
        `Stage ${stageNumber(state.stage)}/${plan.stages.length} · ${state.weight}% to ${plan.canary}${stage.gates.length ? ` · gates: ${stage.gates.join(', ')}` : ''}`,
      );
      this.open = true;
    }
    if (kind !== 'stage-started' && kind !== 'resumed') this.close();
    core.info(kind === 'started' ? state.timeline.at(-1)!.message : stripMarkdown(statusLine(plan, state)));
  }

  close(): void {
    if (this.open) core.endGroup();
    this.open = false;
  }
}

const stripMarkdown = (text: string) => text.replace(/\*\*/g, '');
