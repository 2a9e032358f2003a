// Which pull request a rollout reports on: the event's own on pull_request; on push, the PR the
// commit belongs to, preferring the one merged into the default branch. None is not an error.
import type { GitHubClient } from './client.js';
import type { RunContext } from './context.js';

export interface PullRequestRef {
  number: number;
  /** GraphQL node ID, for revertPullRequest. */
  nodeId: string;
  url: string;
  merged: boolean;
  baseRef: string;
}

export async function findPullRequest(github: GitHubClient, context: RunContext): Promise<PullRequestRef | undefined> {
  const own = context.pullRequest;
  if (own) {
    return {
      number: own.number,
      nodeId: own.node_id,
      url: own.html_url,
      merged: Boolean(own.merged ?? own.merged_at),
      baseRef: own.base.ref,
    };
  }
  const { data } = await github.rest.repos.listPullRequestsAssociatedWithCommit({
    ...context.repo,
    commit_sha: context.sha,
    per_page: 100,
  });
  const merged = data.filter((pr) => pr.merged_at);
  const chosen =
    merged.find((pr) => context.defaultBranch !== undefined && pr.base.ref === context.defaultBranch) ??
    merged[0] ??
    data.find((pr) => pr.state === 'open') ??
    data[0];
  if (!chosen) return undefined;
  return {
    number: chosen.number,
    nodeId: chosen.node_id,
    url: chosen.html_url,
    merged: Boolean(chosen.merged_at),
    baseRef: chosen.base.ref,
  };
}
