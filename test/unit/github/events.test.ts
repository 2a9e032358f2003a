// The run context Rollgate reads from the events a workflow runs on, with GitHub's own example
// payloads (@octokit/webhooks-examples), hydrated as @actions/github's Context does: the payload
// from GITHUB_EVENT_PATH, the rest from GITHUB_* variables the runner sets for that event.
import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { runContextFrom } from '../../../src/github/context.js';
import { findPullRequest } from '../../../src/github/pull-request.js';
import type { GitHubClient } from '../../../src/github/client.js';

type Payload = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
interface Examples {
  name: string;
  examples: Payload[];
}
const all = createRequire(import.meta.url)('@octokit/webhooks-examples/api.github.com/index.json') as Examples[];

function example(event: string, pick: (payload: Payload) => boolean = () => true): Payload {
  const found = all.find((e) => e.name === event)?.examples.find(pick);
  if (!found) throw new Error(`@octokit/webhooks-examples has no ${event} example that fits`);
  return structuredClone(found);
}

/** What @actions/github's Context holds on a runner for this event (GITHUB_SHA as the runner sets it). */
function contextOf(eventName: string, payload: Payload, sha: string) {
  const [owner, repo] = String(payload.repository.full_name).split('/') as [string, string];
  return {
    payload,
    eventName,
    sha,
    actor: payload.sender.login,
    runId: 77,
    runAttempt: 1,
    serverUrl: 'https://github.com',
    repo: { owner, repo },
  };
}

/** A client that fails the test if anything asks GitHub: the event must say it all. */
const silent = new Proxy({}, { get: () => expect.unreachable('the event carries the pull request: no request expected') }) as GitHubClient;

describe('events from GitHub (real example payloads)', () => {
  it('pull_request opened: the head commit, the event own pull request, nothing asked of GitHub', async () => {
    const payload = example('pull_request', (p) => p.action === 'opened');
    // On pull_request the runner checks out (and sets GITHUB_SHA to) a test merge commit.
    const context = runContextFrom(contextOf('pull_request', payload, 'f'.repeat(40)));
    expect(context.sha).toBe(payload.pull_request.head.sha);
    expect(context.repo).toEqual({ owner: 'Codertocat', repo: 'Hello-World' });
    expect(context.defaultBranch).toBe(payload.repository.default_branch);
    expect(await findPullRequest(silent, context)).toEqual({
      number: payload.pull_request.number,
      nodeId: payload.pull_request.node_id,
      url: payload.pull_request.html_url,
      merged: false,
      baseRef: payload.pull_request.base.ref,
    });
  });

  it('pull_request closed after a merge: the merge commit the job checks out, not the PR head', async () => {
    // The examples have no merged close; this is the real closed one as GitHub sends it after a merge.
    const payload = example('pull_request', (p) => p.action === 'closed');
    expect(payload.pull_request.merge_commit_sha).toMatch(/^[0-9a-f]{40}$/);
    Object.assign(payload.pull_request, { merged: true, merged_at: '2019-05-15T15:20:40Z' });
    const context = runContextFrom(contextOf('pull_request', payload, payload.pull_request.merge_commit_sha));
    expect(context.sha).toBe(payload.pull_request.merge_commit_sha);
    expect(context.sha).not.toBe(payload.pull_request.head.sha);
    expect(await findPullRequest(silent, context)).toMatchObject({ number: payload.pull_request.number, merged: true });
  });

  it('pull_request closed without a merge: nothing was merged, the head stays the commit', () => {
    const payload = example('pull_request', (p) => p.action === 'closed');
    expect(payload.pull_request.merged).toBe(false);
    expect(runContextFrom(contextOf('pull_request', payload, 'f'.repeat(40))).sha).toBe(payload.pull_request.head.sha);
  });

  it('push: the pushed commit; the pull request is looked up by commit', async () => {
    const payload = example('push', (p) => p.ref === 'refs/heads/master');
    const context = runContextFrom(contextOf('push', payload, payload.after));
    expect(context).toMatchObject({ sha: payload.after, eventName: 'push', defaultBranch: 'master' });
    expect(context.pullRequest).toBeUndefined();
    const asked: unknown[] = [];
    const client = {
      rest: {
        repos: {
          listPullRequestsAssociatedWithCommit: async (params: unknown) => {
            asked.push(params);
            return { data: [] };
          },
        },
      },
    } as unknown as GitHubClient;
    expect(await findPullRequest(client, context)).toBeUndefined();
    expect(asked).toEqual([{ owner: 'Codertocat', repo: 'Hello-World', commit_sha: payload.after, per_page: 100 }]);
  });

  it('workflow_dispatch (the controls): GITHUB_SHA of the dispatched ref, no pull request from the payload', () => {
    const payload = example('workflow_dispatch');
    const context = runContextFrom(contextOf('workflow_dispatch', payload, 'c'.repeat(40)));
    expect(context).toMatchObject({ sha: 'c'.repeat(40), eventName: 'workflow_dispatch', repo: { owner: 'octo-org', repo: 'octo-repo' } });
    expect(context.pullRequest).toBeUndefined();
    expect(context.runUrl).toBe('https://github.com/octo-org/octo-repo/actions/runs/77');
  });

  it('issue_comment: an issue is not a pull request; GITHUB_SHA (the default branch) is the commit', () => {
    const payload = example('issue_comment', (p) => p.action === 'created');
    expect(payload.issue.pull_request).toBeUndefined();
    const context = runContextFrom(contextOf('issue_comment', payload, 'd'.repeat(40)));
    expect(context.sha).toBe('d'.repeat(40));
    expect(context.pullRequest).toBeUndefined();
  });
});
