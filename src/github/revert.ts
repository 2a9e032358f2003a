// `rollback.revert: pull-request`: after a regression rolled back, open a pull request that reverts
// the merged one, through GraphQL's revertPullRequest (REST has no such endpoint).
import type { GitHubClient } from './client.js';
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
}

export async function openRevertPullRequest(
  github: GitHubClient,
  pullRequest: PullRequestRef,
  why: { environment: string; reason: string; runUrl: string },
): Promise<RevertedPullRequest> {
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
  return created;
}
