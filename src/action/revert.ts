// `command: revert` (the rollback workflow's revert job): open the pull request that reverts the
// merged pull request which brought the released commit, or link the one already open. Needs no spec.
import * as core from '@actions/core';
import type { GitHubClient } from '../github/client.js';
import type { RunContext } from '../github/context.js';
import { findPullRequest } from '../github/pull-request.js';
import { openRevertPullRequest } from '../github/revert.js';
import { setOutputs, type ActionInputs } from './inputs.js';

export async function revertStep(inputs: ActionInputs, github: GitHubClient, run: RunContext): Promise<void> {
  if (!inputs.environment) throw new Error('input environment: the revert names the environment the rollout was rolled back from');
  const commit = inputs.commit ?? run.sha;
  // The event's own pull request counts only when no other commit is named.
  const pullRequest = await findPullRequest(github, inputs.commit ? { ...run, sha: commit, pullRequest: undefined } : run);
  if (!pullRequest?.merged) {
    await say(`No merged pull request brought ${commit.slice(0, 12)}: nothing to revert.`);
    return;
  }
  const revert = await openRevertPullRequest(github, run.repo, pullRequest, {
    environment: inputs.environment,
    reason: 'the rollout was rolled back',
    runUrl: run.runUrl,
  });
  setOutputs({ revertUrl: revert.url });
  await say(`Revert of #${pullRequest.number} ${revert.existing ? 'already open' : 'opened'}: ${revert.url}`);
}

async function say(line: string): Promise<void> {
  core.notice(line);
  if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(`${line}\n`, true).write();
}
