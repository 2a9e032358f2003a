// The GitHub adapter against GitHub's official REST description: every request and response goes
// through Prism (proxy --errors) in front of the stateful fake; GraphQL against GitHub's schema.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildClientSchema, parse, validate, type IntrospectionQuery } from 'graphql';
import { schema as githubSchema } from '@octokit/graphql-schema';
import { drive } from '../../../src/driver/driver.js';
import { FakeClock } from '../../harness/clock.js';
import type { Plan } from '../../../src/engine/plan.js';
import type { Gate } from '../../../src/ports.js';
import { apiUrlFrom, createGitHubClient } from '../../../src/github/client.js';
import { StickyComment } from '../../../src/github/comment.js';
import type { RunContext } from '../../../src/github/context.js';
import { DeploymentStore, DEPLOYMENT_TASK, RolloutInProgressError } from '../../../src/github/deployments.js';
import { MissingPermissionError } from '../../../src/github/permissions.js';
import { findPullRequest } from '../../../src/github/pull-request.js';
import { GitHubReporter } from '../../../src/github/reporter.js';
import { openRevertPullRequest, REVERT_MUTATION } from '../../../src/github/revert.js';
import { revertStep } from '../../../src/action/revert.js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OCTOCAT } from '../../harness/github/fake.js';
import { startGitHubHarness, type GitHubHarness } from '../../harness/github/index.js';
import { planFrom, quietLog, RecordingRouter } from '../../harness/sim.js';

let gh: GitHubHarness;
let repoCount = 0;
const TOKEN = 'ghs_contractTestToken0123456789';

beforeAll(async () => {
  gh = await startGitHubHarness();
  gh.fake.addToken(TOKEN);
  gh.fake.addToken('ghs_readOnly', { permissions: { deployments: 'read', 'pull-requests': 'write', contents: 'read' } });
}, 90_000);
afterAll(async () => gh?.stop());
afterEach(() => {
  // Anything GitHub's description rejects fails the test that sent it.
  expect(gh.front.violations).toEqual([]);
});

const client = (token = TOKEN) => createGitHubClient({ token, apiUrl: gh.url, log: quietLog, pacing: false, retryBaseMs: 1 });
const sha = (n: number) => n.toString(16).padStart(40, 'a');

function newRepo(): { name: string; context: RunContext } {
  const name = `acme/contract-${++repoCount}`;
  const [owner, repo] = name.split('/') as [string, string];
  return {
    name,
    context: {
      repo: { owner, repo },
      eventName: 'push',
      sha: sha(repoCount),
      actor: 'alice',
      runId: 77,
      runAttempt: 1,
      serverUrl: 'https://github.com',
      runUrl: `https://github.com/${name}/actions/runs/77`,
      defaultBranch: 'main',
    },
  };
}

function stagesPlan(weights: number[], extra = ''): Plan {
  return planFrom(`
version: 1
environment: { name: production, url: "https://shop.example.com" }
traffic: { provider: command, command: "true", stable: v1, canary: v2 }
stages:
${weights.map((w, i) => `  - { weight: ${w}${w < 100 ? ', bake: 2m' : ''}${extra && i === 1 ? `, ${extra}` : ''} }`).join('\n')}
gates:
  error-rate: { provider: command, command: "true", threshold: "< 0.01", interval: 30s }
`);
}

function gateThat(verdicts: (weight: number) => 'pass' | 'fail'): Record<string, Gate> {
  return {
    'error-rate': {
      name: 'error-rate',
      provider: 'scripted',
      async measure(context) {
        const verdict = verdicts(context.weight);
        return {
          verdict,
          evidence: {
            summary: verdict === 'pass' ? 'fine' : '5xx ratio too high',
            value: verdict === 'pass' ? 0.001 : 0.052,
            threshold: '< 0.01',
            query: 'sum(rate(errors[1m]))',
          },
        };
      },
    },
  };
}

/** One rollout as the action drives it, against the harness. */
async function rollout(
  repo: ReturnType<typeof newRepo>,
  plan: Plan,
  options: { fail?: (weight: number) => boolean; revert?: boolean; sha?: string } = {},
) {
  const github = client();
  const context = { ...repo.context, ...(options.sha ? { sha: options.sha } : {}) };
  const pullRequest = await findPullRequest(github, context);
  const comment = pullRequest ? new StickyComment(github, context.repo, pullRequest.number, plan.environment, quietLog) : undefined;
  const deployments = new DeploymentStore({
    github,
    target: {
      repo: context.repo,
      environment: plan.environment,
      sha: context.sha,
      logUrl: context.runUrl,
      environmentUrl: plan.environmentUrl!,
    },
    log: quietLog,
    embedded: async () => (await comment?.find())?.record,
  });
  const reporter = new GitHubReporter({
    deployments,
    ...(comment ? { comment } : {}),
    ...(options.revert && pullRequest ? { revert: { github, repo: context.repo, pullRequest } } : {}),
    links: { run: context.runUrl },
    runUrl: context.runUrl,
    log: quietLog,
  });
  const router = new RecordingRouter([]);
  const result = await drive(
    {
      router,
      gates: gateThat((w) => (options.fail?.(w) ? 'fail' : 'pass')),
      store: deployments,
      reporters: [reporter],
      clock: new FakeClock(),
      log: quietLog,
    },
    { plan, id: `r-${context.sha.slice(0, 7)}` },
  );
  return { result, router, deployments, reporter };
}

// Each case drives a rollout against Prism (an HTTP round trip per call): on a busy two-core machine
// the first, which also warms Prism's validator up, takes well over the default 30 s. A bound for a hang.
describe('a rollout recorded on GitHub', { timeout: 120_000 }, () => {
  it.each([1, 3, 5])(
    'with %i stage(s): a deployment, a status per baking stage, one comment, at most 8 + 4 × stages REST calls',
    async (n) => {
      const repo = newRepo();
      gh.fake.addPullRequest(repo.name, {
        number: 12,
        headSha: sha(900),
        headRef: 'feature',
        baseRef: 'main',
        mergeCommitSha: repo.context.sha,
      });
      const weights = [...Array.from({ length: n - 1 }, (_, i) => 10 * (i + 1)), 100];
      // An earlier promotion is live: it must be marked inactive once this one is promoted.
      const earlier = await rollout(repo, stagesPlan([100]), { sha: sha(5000 + n) });
      expect(earlier.result.outcome).toBe('promoted');
      const before = gh.restCalls(repo.name).length;

      const { result, router, deployments } = await rollout(repo, stagesPlan(weights));
      expect(result.outcome).toBe('promoted');
      expect(router.history).toEqual(weights);
      const calls = gh.restCalls(repo.name).slice(before);
      // 2 per stage for the holder check before each traffic change (one listing, one status; the
      // first is the look right after creating the deployment).
      expect(calls.length).toBeLessThanOrEqual(8 + 4 * n);
      expect(calls.every((c) => c.status < 300)).toBe(true);

      const state = gh.fake.repo(repo.name);
      const deployment = state.deployments.find((d) => d.id === deployments.id)!;
      expect(deployment).toMatchObject({ sha: repo.context.sha, task: DEPLOYMENT_TASK, environment: 'production' });
      expect(deployment.request).toMatchObject({ auto_merge: false, required_contexts: [] });
      expect((deployment.payload as { plan: Plan }).plan.stages.map((s) => s.weight)).toEqual(weights);
      const statuses = gh.fake.statusesOf(repo.name, deployment.id);
      // The last stage (100 %, no bake) ends at once: its outcome is the next status.
      const baking = weights.slice(0, -1);
      expect(statuses.map((s) => s.state)).toEqual([...baking.map(() => 'in_progress'), 'success']);
      expect(statuses.map((s) => s.description)).toEqual([
        ...baking.map((w, i) => `stage ${i + 1}/${n} · ${w}% · ${i ? '1/1 gates passing' : '1 gates to measure'}`),
        'promoted · 100% · 1/1 gates passing',
      ]);
      expect(statuses.every((s) => s.logUrl === repo.context.runUrl && s.environmentUrl === 'https://shop.example.com')).toBe(true);
      expect(gh.fake.statusesOf(repo.name, earlier.deployments.id!).map((s) => s.state)).toEqual(['success', 'inactive']);
      const comments = state.comments.filter((c) => c.issue === 12);
      expect(comments).toHaveLength(1);
      expect(comments[0]!.body).toContain('**Promoted**');
      console.log(
        `REST calls, ${n} stage(s): ${calls.length} (limit ${8 + 4 * n}): ${calls.map((c) => `${c.method} ${c.path.replace(/^\/repos\/[^/]+\/[^/]+/, '').replace(/\?.*/, '')}`).join(', ')}`,
      );
    },
  );

  it('refuses a second rollout of the environment while one is in progress, and resumes the same commit at its stage', async () => {
    const repo = newRepo();
    gh.fake.addPullRequest(repo.name, {
      number: 3,
      headSha: sha(901),
      headRef: 'feature',
      baseRef: 'main',
      mergeCommitSha: repo.context.sha,
    });
    const plan = stagesPlan([10, 50, 100], 'approval: true');
    const first = await rollout(repo, plan);
    expect(first.result.outcome).toBe('paused');
    expect(gh.fake.statusesOf(repo.name, first.deployments.id!).at(-1)).toMatchObject({
      state: 'queued',
      description: 'stage 2/3 · 10% · awaiting approval',
    });

    const other = new DeploymentStore({
      github: client(),
      target: { repo: repo.context.repo, environment: 'production', sha: sha(4242), logUrl: 'x' },
      log: quietLog,
    });
    const refusal = await other.load().catch((error: Error) => error);
    expect(refusal).toBeInstanceOf(RolloutInProgressError);
    expect((refusal as Error).message).toMatch(
      /production already has a rollout in progress: deployment \d+ of aaaaaaa .*"stage 2\/3 · 10% · awaiting approval".*`command: abort`/,
    );

    // A later job: no memory but GitHub's. With the comment, the full state comes back.
    const github = client();
    const comment = new StickyComment(github, repo.context.repo, 3, 'production', quietLog);
    const again = new DeploymentStore({
      github,
      target: { repo: repo.context.repo, environment: 'production', sha: repo.context.sha, logUrl: 'x' },
      log: quietLog,
      embedded: async () => (await comment.find())?.record,
    });
    const record = (await again.load())!;
    expect(again.id).toBe(first.deployments.id);
    expect(record.state).toMatchObject({ status: 'awaiting-approval', stage: 1, weight: 10 });
    expect(record.state.measurements.length).toBeGreaterThan(0);
    // Without it (a push with no pull request), the position still comes back from the status.
    const bare = await new DeploymentStore({
      github,
      target: { repo: repo.context.repo, environment: 'production', sha: repo.context.sha, logUrl: 'x' },
      log: quietLog,
    }).load();
    expect(bare!.state).toMatchObject({ status: 'awaiting-approval', stage: 1, weight: 10, phase: 'shifting', measurements: [] });
    expect(bare!.plan).toEqual(plan);
  });

  it('rolls back: failure naming the gate, a revert pull request through GraphQL, the evidence on top of the comment', async () => {
    const repo = newRepo();
    gh.fake.addPullRequest(repo.name, {
      number: 21,
      headSha: sha(902),
      headRef: 'checkout-v2',
      baseRef: 'main',
      mergeCommitSha: repo.context.sha,
      title: 'Checkout v2',
    });
    const { result, router, deployments, reporter } = await rollout(repo, stagesPlan([10, 50, 100]), {
      fail: (w) => w >= 50,
      revert: true,
    });
    expect(result.outcome).toBe('rolled-back');
    expect(router.history).toEqual([10, 50, 0]);
    const statuses = gh.fake.statusesOf(repo.name, deployments.id!);
    expect(statuses.map((s) => s.state)).toEqual(['in_progress', 'in_progress', 'failure']);
    expect(statuses.at(-1)!.description).toBe('rolled back at stage 2/3 · gate error-rate 0.052 (< 0.01)');
    const revert = gh.fake.repo(repo.name).pulls.find((p) => p.revertOf === 21)!;
    expect(revert.title).toBe('Revert #21: rolled back from production');
    expect(reporter.revertUrl).toBe(`https://github.com/${repo.name}/pull/${revert.number}`);
    expect(gh.fake.graphql.at(-1)!.errors).toEqual([]);
    const body = gh.fake.repo(repo.name).comments.find((c) => c.issue === 21)!.body;
    expect(body.indexOf('Gate `error-rate` failed')).toBeLessThan(body.indexOf('| # | weight'));
    expect(body).toContain('measured: `0.052` (expected `< 0.01`)');
    expect(body).toContain(`Revert pull request: ${reporter.revertUrl}`);
  });
});

describe('the sticky comment', () => {
  it("leaves a person's comment that quotes the marker alone, and finds its own on a later page", async () => {
    const repo = newRepo();
    const marker = '<!-- rollgate:comment environment=production -->';
    gh.fake.addComment(repo.name, 5, `copied from the bot:\n${marker}`, OCTOCAT);
    for (let i = 0; i < 120; i++) gh.fake.addComment(repo.name, 5, `comment ${i}`, OCTOCAT);
    const github = client();
    const first = new StickyComment(github, repo.context.repo, 5, 'production', quietLog);
    const id = await first.write('### report one');
    const second = new StickyComment(github, repo.context.repo, 5, 'production', quietLog);
    expect((await second.find())?.id).toBe(id);
    await second.write('### report two');
    const comments = gh.fake.repo(repo.name).comments;
    expect(comments.filter((c) => c.body.includes(marker))).toHaveLength(2);
    expect(comments.find((c) => c.id === id)).toMatchObject({ edits: 1, user: { login: 'github-actions[bot]' } });
    expect(comments.find((c) => c.user.login === 'octocat' && c.body.includes(marker))!.edits).toBe(0);
    // The marker made Rollgate ask who this token is (GraphQL viewer, which installation tokens may ask).
    expect(gh.fake.graphql.some((g) => /viewer/.test(g.query) && g.errors.length === 0)).toBe(true);
  });

  it('writes nothing when the report did not change', async () => {
    const repo = newRepo();
    const comment = new StickyComment(client(), repo.context.repo, 8, 'staging', quietLog);
    await comment.write('same');
    const calls = gh.restCalls(repo.name).length;
    await comment.write('same');
    expect(gh.restCalls(repo.name).length).toBe(calls);
  });
});

describe('the pull request of a push', () => {
  it('prefers the pull request merged into the default branch; none is no error', async () => {
    const repo = newRepo();
    const commit = repo.context.sha;
    gh.fake.addPullRequest(repo.name, { number: 30, headSha: commit, headRef: 'feature', baseRef: 'main' });
    gh.fake.addPullRequest(repo.name, {
      number: 31,
      headSha: sha(903),
      headRef: 'release',
      baseRef: 'release-1.x',
      mergeCommitSha: commit,
    });
    gh.fake.addPullRequest(repo.name, { number: 32, headSha: sha(904), headRef: 'feature-b', baseRef: 'main', mergeCommitSha: commit });
    expect(await findPullRequest(client(), repo.context)).toMatchObject({ number: 32, merged: true, baseRef: 'main' });
    expect(await findPullRequest(client(), { ...repo.context, sha: sha(999) })).toBeUndefined();
  });

  it("takes a pull_request event's own pull request without asking", async () => {
    const repo = newRepo();
    const pr = {
      number: 4,
      node_id: 'PR_kwX',
      html_url: 'https://github.com/x/pull/4',
      merged: false,
      base: { ref: 'main' },
      head: { sha: sha(1), ref: 'f' },
    };
    expect(await findPullRequest(client(), { ...repo.context, eventName: 'pull_request', pullRequest: pr })).toEqual({
      number: 4,
      nodeId: 'PR_kwX',
      url: pr.html_url,
      merged: false,
      baseRef: 'main',
    });
    expect(gh.restCalls(repo.name)).toEqual([]);
  });
});

describe('the client', () => {
  it('turns "Resource not accessible by integration" into the permission to add, without the token', async () => {
    const repo = newRepo();
    const store = new DeploymentStore({
      github: client('ghs_readOnly'),
      target: { repo: repo.context.repo, environment: 'production', sha: repo.context.sha, logUrl: 'x' },
      log: quietLog,
    });
    expect(await store.load()).toBeUndefined();
    const error = await store.save({ plan: stagesPlan([100]), state: { schema: 1 } as never }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(MissingPermissionError);
    expect((error as Error).message).toBe(
      `GitHub refused POST /repos/${repo.name}/deployments: the token lacks a permission. Add \`deployments: write\` to the job's permissions (and keep the others Rollgate needs: contents, pull-requests and deployments write).`,
    );
    expect((error as Error).message).not.toContain('ghs_readOnly');
  });

  it('retries 5xx answers with backoff', async () => {
    const repo = newRepo();
    gh.fake.failNext('GET', new RegExp(`^/repos/${repo.name}/deployments$`), 502, 2);
    const { data } = await client().rest.repos.listDeployments({ ...repo.context.repo });
    expect(data).toEqual([]);
    expect(gh.restCalls(repo.name).map((c) => c.status)).toEqual([502, 502, 200]);
  });

  it('waits out a rate limit and retries', async () => {
    const repo = newRepo();
    const reset = String(Math.floor(Date.now() / 1000));
    gh.fake.failNext('GET', new RegExp(`^/repos/${repo.name}/deployments$`), 403, 1, {
      message: 'API rate limit exceeded for installation ID 4242.',
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset, 'x-ratelimit-limit': '5000' },
    });
    gh.fake.failNext('GET', new RegExp(`^/repos/${repo.name}/deployments$`), 403, 1, {
      message: 'You have exceeded a secondary rate limit.',
      headers: { 'retry-after': '1' },
    });
    const warnings: string[] = [];
    const paced = createGitHubClient({ token: TOKEN, apiUrl: gh.url, log: { ...quietLog, warn: (m) => warnings.push(m) }, retryBaseMs: 1 });
    const { data } = await paced.rest.repos.listDeployments({ ...repo.context.repo });
    expect(data).toEqual([]);
    expect(gh.restCalls(repo.name).map((c) => c.status)).toEqual([403, 403, 200]);
    expect(warnings.filter((w) => /rate limit on GET/.test(w))).toHaveLength(2);
  });

  it('talks to GITHUB_API_URL (GitHub Enterprise Server) when set', () => {
    expect(apiUrlFrom({ GITHUB_API_URL: 'https://ghe.example.com/api/v3/' })).toBe('https://ghe.example.com/api/v3');
    expect(apiUrlFrom({})).toBe('https://api.github.com');
  });

  it('refuses to start without a token', () => {
    expect(() => createGitHubClient({ token: '', log: quietLog })).toThrow(/no GitHub token/);
  });
});

describe('GraphQL', () => {
  it("the revert mutation is valid against GitHub's published schema", () => {
    const schema = buildClientSchema(githubSchema.json as unknown as IntrospectionQuery);
    expect(validate(schema, parse(REVERT_MUTATION)).map((e) => e.message)).toEqual([]);
    expect(validate(schema, parse(REVERT_MUTATION.replace('url', 'link'))).length).toBeGreaterThan(0);
  });
});

describe('the revert pull request (one implementation, idempotent)', () => {
  const merged = (repo: { name: string; context: RunContext }, number: number) => {
    gh.fake.addPullRequest(repo.name, {
      number,
      headSha: sha(800 + number),
      headRef: `feature-${number}`,
      baseRef: 'main',
      mergeCommitSha: repo.context.sha,
      title: `Feature ${number}`,
    });
  };
  const why = { environment: 'production', reason: 'gate error-rate failed', runUrl: 'https://github.com/run/1' };

  it('opens one revert, and a second call links it instead of opening another', async () => {
    const repo = newRepo();
    merged(repo, 40);
    const pullRequest = (await findPullRequest(client(), repo.context))!;
    const first = await openRevertPullRequest(client(), repo.context.repo, pullRequest, why);
    const second = await openRevertPullRequest(client(), repo.context.repo, pullRequest, why);
    expect(first).toMatchObject({ existing: false, url: expect.stringMatching(/\/pull\/41$/) });
    expect(second).toEqual({ number: first.number, url: first.url, existing: true });
    expect(gh.fake.repo(repo.name).pulls.filter((p) => p.revertOf === 40)).toHaveLength(1);
  });

  it("counts a revert someone opened on GitHub (branch revert-<number>-…), not another pull request's", async () => {
    const repo = newRepo();
    merged(repo, 50);
    gh.fake.addPullRequest(repo.name, { number: 51, headSha: sha(851), headRef: 'revert-5-other', baseRef: 'main' });
    gh.fake.addPullRequest(repo.name, { number: 52, headSha: sha(852), headRef: 'revert-50-feature-50', baseRef: 'main' });
    const pullRequest = (await findPullRequest(client(), repo.context))!;
    expect(await openRevertPullRequest(client(), repo.context.repo, pullRequest, why)).toMatchObject({ number: 52, existing: true });
    expect(gh.fake.repo(repo.name).pulls.filter((p) => p.revertOf === 50)).toHaveLength(0);
  });

  it('command: revert reverts the merged pull request of the named commit, once; a commit no pull request merged is no error', async () => {
    const repo = newRepo();
    merged(repo, 60);
    const dir = mkdtempSync(join(tmpdir(), 'rollgate-revert-'));
    const output = join(dir, 'output');
    writeFileSync(output, '');
    writeFileSync(join(dir, 'summary'), ''); // the runner creates both files before the step
    const saved = { GITHUB_OUTPUT: process.env.GITHUB_OUTPUT, GITHUB_STEP_SUMMARY: process.env.GITHUB_STEP_SUMMARY };
    Object.assign(process.env, { GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: join(dir, 'summary') });
    try {
      // A workflow_dispatch run on another commit: the named commit decides.
      const run = { ...repo.context, sha: sha(999), eventName: 'workflow_dispatch' };
      const inputs = {
        config: '',
        command: 'revert' as const,
        token: TOKEN,
        credentials: {},
        environment: 'production',
        commit: repo.context.sha,
      };
      await revertStep(inputs, client(), run);
      await revertStep(inputs, client(), run);
      expect(gh.fake.repo(repo.name).pulls.filter((p) => p.revertOf === 60)).toHaveLength(1);
      expect(readFileSync(output, 'utf8')).toContain(`https://github.com/${repo.name}/pull/61`);
      expect(readFileSync(join(dir, 'summary'), 'utf8')).toContain('Revert of #60 already open');
      writeFileSync(output, '');
      await revertStep({ ...inputs, commit: sha(998) }, client(), run);
      expect(readFileSync(output, 'utf8')).toBe('');
      expect(readFileSync(join(dir, 'summary'), 'utf8')).toContain(
        `No merged pull request brought ${sha(998).slice(0, 12)}: nothing to revert.`,
      );
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
