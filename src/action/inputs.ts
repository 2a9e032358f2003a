// The action's inputs (action.yml) and outputs, read and written through @actions/core.
import * as core from '@actions/core';
import type { Outcome } from '../engine/types.js';

export const COMMANDS = ['run', 'advance', 'promote', 'abort', 'status', 'lint-migrations'] as const;
export type ActionCommand = (typeof COMMANDS)[number];

export interface ActionInputs {
  config: string;
  command: ActionCommand;
  environment?: string;
  token: string;
  /** lint-migrations: the refs to compare (default: the pull request's base and head). */
  base?: string;
  head?: string;
}

export function readInputs(): ActionInputs {
  const command = core.getInput('command') || 'run';
  if (!(COMMANDS as readonly string[]).includes(command)) {
    throw new Error(`input command: "${command}" is not one of ${COMMANDS.join(', ')}`);
  }
  const token = core.getInput('github-token');
  if (!token) throw new Error('input github-token is empty: leave it unset (the job token) or pass a token');
  const environment = core.getInput('environment');
  const base = core.getInput('base');
  const head = core.getInput('head');
  return {
    config: core.getInput('config') || '.github/rollout.yml',
    command: command as ActionCommand,
    token,
    ...(environment ? { environment } : {}),
    ...(base ? { base } : {}),
    ...(head ? { head } : {}),
  };
}

export interface ActionOutputs {
  outcome?: Outcome;
  /** 1-based. */
  stage?: number;
  weight?: number;
  deploymentId?: number;
  report?: string;
}

export function setOutputs(outputs: ActionOutputs): void {
  if (outputs.outcome) core.setOutput('outcome', outputs.outcome);
  if (outputs.stage !== undefined) core.setOutput('stage', outputs.stage);
  if (outputs.weight !== undefined) core.setOutput('weight', outputs.weight);
  if (outputs.deploymentId !== undefined) core.setOutput('deployment-id', outputs.deploymentId);
  if (outputs.report) core.setOutput('report', outputs.report);
}
