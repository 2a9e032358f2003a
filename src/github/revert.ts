// The one revert implementation (`rollback.revert: pull-request` after a regression, and the
// rollback workflow's revert job through `command: revert`): open a pull request that reverts the
// merged one, through GraphQL's revertPullRequest (REST has no such endpoint), unless a revert of it
// is already open (a second run, or the rollout and the rollback workflow both asking).
import type { GitHubClient } from './client.js';
import type { RepoRef } from './context.js';
import { MissingPermissionError } from './permissions.js';
import type { PullRequestRef } from './pull-request.js';

export const REVERT_MUTATION = /* GraphQL */ `
  mutation RollgateRevert($pullRequestId: ID!, $title: String!, $body: String!) {
    revertPullRequest(input: { pullRequestId: $pullRequestId, title: $title, body: $body }) {
      revertPullRequest {
        number
        url
      }
    }
  }
`;

interface RevertAnswer {
  revertPullRequest: { revertPullRequest: { number: number; url: string } | null } | null;
}

export interface RevertedPullRequest {
  number: number;
  url: string;
  /** True when the revert was already open and nothing new was opened. */
  existing: boolean;
}

export async function openRevertPullRequest(
  github: GitHubClient,
  repo: RepoRef,
  pullRequest: PullRequestRef,
  why: { environment: string; reason: string; runUrl: string },
): Promise<RevertedPullRequest> {
  const open = await findOpenRevert(github, repo, pullRequest.number);
  if (open) return { ...open, existing: true };
  let answer: RevertAnswer;
  try {
    answer = await github.graphql<RevertAnswer>(REVERT_MUTATION, {
      pullRequestId: pullRequest.nodeId,
      title: `Revert #${pullRequest.number}: rolled back from ${why.environment}`,
      body: `Rollgate rolled #${pullRequest.number} back from **${why.environment}**: ${why.reason}.\n\nRun: ${why.runUrl}`,
    });
  } catch (error) {
    const errors = (error as { errors?: Array<{ type?: string; message?: string }> }).errors ?? [];
    if (errors.some((e) => e.type === 'FORBIDDEN' || /not accessible by integration/i.test(e.message ?? ''))) {
      throw new MissingPermissionError('the revertPullRequest mutation', 'contents: write` and `pull-requests: write');
    }
    throw error;
  }
  const created = answer.revertPullRequest?.revertPullRequest;
  if (!created) throw new Error(`GitHub opened no revert pull request for #${pullRequest.number}`);
  return { ...created, existing: false };
}

/** An open revert of #number: GitHub names a revert's branch `revert-<number>-…`, and Rollgate's title
 * starts `Revert #<number>:`. The newest 100 open pull requests are enough: a revert is recent. */
async function findOpenRevert(github: GitHubClient, repo: RepoRef, number: number): Promise<{ number: number; url: string } | undefined> {
  const { data } = await github.rest.pulls.list({ ...repo, state: 'open', sort: 'created', direction: 'desc', per_page: 100 });
  const found = data.find((pr) => pr.head.ref.startsWith(`revert-${number}-`) || pr.title.startsWith(`Revert #${number}:`));
  return found && { number: found.number, url: found.html_url };
}
