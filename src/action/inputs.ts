// The action's inputs (action.yml) and outputs, read and written through @actions/core.
import * as core from '@actions/core';
import type { Outcome } from '../engine/types.js';
import { parseCredentialLines } from '../util/credentials.js';

export const COMMANDS = ['run', 'advance', 'promote', 'abort', 'status', 'revert', 'lint-migrations'] as const;
export type ActionCommand = (typeof COMMANDS)[number];

export interface ActionInputs {
  config: string;
  command: ActionCommand;
  environment?: string;
  token: string;
  /** lint-migrations: the refs to compare (default: the pull request's base and head). */
  base?: string;
  head?: string;
  /** The `credentials` input's NAME=value lines, every value already masked. */
  credentials: Record<string, string>;
  /** The most approval points the calling workflow serves; a spec with more is refused before anything moves. */
  maxApprovals?: number;
  /** revert: the released commit whose merged pull request is reverted. */
  commit?: string;
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
  const maxApprovals = core.getInput('max-approvals');
  if (maxApprovals && !/^\d{1,3}$/.test(maxApprovals)) throw new Error(`input max-approvals: "${maxApprovals}" is not a whole number`);
  const commit = core.getInput('commit');
  if (commit && !/^[0-9a-f]{40}$/i.test(commit)) throw new Error('input commit: expected a full commit SHA (40 hex digits)');
  return {
    credentials: readCredentials(),
    ...(maxApprovals ? { maxApprovals: Number(maxApprovals) } : {}),
    ...(commit ? { commit } : {}),
    config: core.getInput('config') || '.github/rollout.yml',
    command: command as ActionCommand,
    token,
    ...(environment ? { environment } : {}),
    ...(base ? { base } : {}),
    ...(head ? { head } : {}),
  };
}

/** The `credentials` input, read once per step (main and post each run in their own process). */
export function readCredentials(): Record<string, string> {
  return parseCredentialLines(core.getInput('credentials'), (secret) => core.setSecret(secret), 'input credentials');
}

/** What the router, gates, hooks and alerts see: the job's environment with the credentials over it.
 * Nothing is exported to the job: later steps never see the credentials. */
export function providerEnvironment(credentials: Record<string, string>): Record<string, string | undefined> {
  return { ...process.env, ...credentials };
}

export interface ActionOutputs {
  outcome?: Outcome;
  /** 1-based. */
  stage?: number;
  weight?: number;
  deploymentId?: number;
  report?: string;
  revertUrl?: string;
}

export function setOutputs(outputs: ActionOutputs): void {
  if (outputs.outcome) core.setOutput('outcome', outputs.outcome);
  if (outputs.stage !== undefined) core.setOutput('stage', outputs.stage);
  if (outputs.weight !== undefined) core.setOutput('weight', outputs.weight);
  if (outputs.deploymentId !== undefined) core.setOutput('deployment-id', outputs.deploymentId);
  if (outputs.report) core.setOutput('report', outputs.report);
  if (outputs.revertUrl) core.setOutput('revert-url', outputs.revertUrl);
}
