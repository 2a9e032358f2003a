// What Rollgate needs to know about the workflow run, taken from @actions/github's Context
// (GITHUB_* variables and the event payload) into plain data the rest can be tested with.
import type { context as actionsContext } from '@actions/github';

type Context = typeof actionsContext;

export interface RepoRef {
  owner: string;
  repo: string;
}

/** The pull request an event carries (the fields Rollgate reads). */
export interface EventPullRequest {
  number: number;
  node_id: string;
  html_url: string;
  merged?: boolean;
  merged_at?: string | null;
  /** On a merged pull request (`closed` event): the commit the merge made, which the job checks out. */
  merge_commit_sha?: string | null;
  base: { ref: string; sha?: string };
  head: { sha: string; ref: string };
}

export interface RunContext {
  repo: RepoRef;
  eventName: string;
  /** The commit being rolled out: on pull_request events the PR head, or the merge commit once merged; else GITHUB_SHA. */
  sha: string;
  actor: string;
  runId: number;
  runAttempt: number;
  serverUrl: string;
  /** This run's page: the deployment's log_url and the report's link. */
  runUrl: string;
  defaultBranch?: string;
  pullRequest?: EventPullRequest;
}

export function runContextFrom(
  context: Pick<Context, 'payload' | 'eventName' | 'sha' | 'actor' | 'runId' | 'runAttempt' | 'serverUrl' | 'repo'>,
): RunContext {
  const payload = context.payload as { pull_request?: EventPullRequest; repository?: { default_branch?: string } };
  const pullRequest = payload.pull_request;
  const serverUrl = context.serverUrl.replace(/\/+$/, '');
  const { owner, repo } = context.repo;
  return {
    repo: { owner, repo },
    eventName: context.eventName,
    sha: releasedCommit(pullRequest, context.sha),
    actor: context.actor,
    runId: context.runId,
    runAttempt: context.runAttempt,
    serverUrl,
    runUrl: `${serverUrl}/${owner}/${repo}/actions/runs/${context.runId}${context.runAttempt > 1 ? `/attempts/${context.runAttempt}` : ''}`,
    ...(payload.repository?.default_branch ? { defaultBranch: payload.repository.default_branch } : {}),
    ...(pullRequest ? { pullRequest } : {}),
  };
}

/** A merged pull request (`closed` event) released its merge commit; an open one, its head. */
function releasedCommit(pullRequest: EventPullRequest | undefined, sha: string): string {
  if (!pullRequest) return sha;
  if ((pullRequest.merged || pullRequest.merged_at) && pullRequest.merge_commit_sha) return pullRequest.merge_commit_sha;
  return pullRequest.head?.sha ?? sha;
}

/** The environment's deployment history page on GitHub. */
/** A pull request's page, from its number alone (the post step does not ask GitHub for it). */
export function pullRequestUrl(context: Pick<RunContext, 'serverUrl' | 'repo'>, number: number): string {
  return `${context.serverUrl}/${context.repo.owner}/${context.repo.repo}/pull/${number}`;
}

export function environmentPageUrl(context: Pick<RunContext, 'serverUrl' | 'repo'>, environment: string): string {
  return `${context.serverUrl}/${context.repo.owner}/${context.repo.repo}/deployments/${encodeURIComponent(environment)}`;
}
