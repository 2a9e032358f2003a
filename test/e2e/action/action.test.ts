// The built action (dist/main, dist/post) run as the GitHub runner runs it, against the fake GitHub
// behind Prism: every REST request and response is checked against GitHub's official description.
// Scenarios run concurrently, each in its own repository of the fake.
import pkg from '../../../package.json' with { type: 'json' };
import { afterAll, beforeAll, describe, it, type ExpectStatic } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { startGitHubHarness, type GitHubHarness } from '../../harness/github/index.js';
import { Checkout, job, pullRequestEvent, pushEvent, STAGES, type SpecOptions } from './fixture.js';
import { runStep, startStep, until, type StepResult } from './runner.js';
import { FileStateStore } from '../../../src/driver/state-file.js';

const TOKEN = 'ghs_e2eJobToken4f1d2c3b4a5968778695a4b3';
const READ_ONLY = 'ghs_e2eReadOnlyToken00112233445566778899';
const DEPLOY_ONLY = 'ghs_e2eDeployOnlyToken0011223344556677';
const CONFIG = { config: '.github/rollout.yml', 'github-token': TOKEN };
// 2 per stage for the deployment (status, comment), 2 for the holder check before each traffic change.
const LIMIT = 8 + 4 * STAGES;

let gh: GitHubHarness;
let repos = 0;
const figures: string[] = [];

beforeAll(async () => {
  gh = await startGitHubHarness();
  gh.fake.addToken(TOKEN);
  gh.fake.addToken(READ_ONLY, { permissions: { deployments: 'read', 'pull-requests': 'write', contents: 'read' } });
  gh.fake.addToken(DEPLOY_ONLY, { permissions: { deployments: 'write', contents: 'read' } });
}, 90_000);

afterAll(async () => {
  await gh?.stop();
  if (figures.length) console.log(`REST calls per rollout (${STAGES} stages, limit ${LIMIT}):\n${figures.join('\n')}`);
});

const comments0 = (comments: Array<{ body: string }>) => comments[0]?.body ?? '';
const sha = (seed: number) => (seed * 7919).toString(16).padStart(40, 'c');

function scenario(spec: SpecOptions = {}) {
  const repo = `acme/shop-${++repos}`;
  const commit = sha(repos);
  const checkout = new Checkout(spec);
  return {
    repo,
    sha: commit,
    checkout,
    push: (options: { runAttempt?: number; runId?: number; token?: string; sha?: string } = {}) =>
      job(checkout, {
        repo,
        sha: options.sha ?? commit,
        apiUrl: gh.url,
        token: options.token ?? TOKEN,
        event: pushEvent(repo, options.sha ?? commit),
        ...options,
      }),
    state: () => gh.fake.repo(repo),
    statuses: (deployment: number) => gh.fake.statusesOf(repo, deployment),
  };
}

/** The log as the runner keeps it: `::add-mask::` lines are consumed, not shown. */
const shown = (step: StepResult) => (step.stdout + step.stderr).replace(/^::add-mask::.*$/gm, '');

/** What every scenario must hold: no contract violation, the token masked and never shown. */
function clean(expect: ExpectStatic, repo: string, ...steps: StepResult[]) {
  expect(gh.front.violations.filter((v) => v.path.startsWith(`/repos/${repo}/`))).toEqual([]);
  for (const step of steps) expect(shown(step)).not.toContain(TOKEN);
  expect(gh.fake.graphql.filter((g) => g.errors.length)).toEqual([]);
}

// Each scenario runs the built action one to four times against Prism; eleven at once on a busy
// two-core machine take well over the default 30 s. The bound is for a hang; steps wait on conditions.
describe.concurrent('the action, as the runner runs it', { timeout: 150_000 }, () => {
  it('promotes a healthy canary: outputs, summary, one comment, statuses, earlier deployment inactive', async ({ expect }) => {
    const s = scenario();
    gh.fake.addPullRequest(s.repo, { number: 41, headSha: sha(900), headRef: 'faster-checkout', baseRef: 'main', mergeCommitSha: s.sha });
    const live = gh.fake.addDeployment(s.repo, {
      sha: sha(901),
      environment: 'production',
      task: 'deploy:rollgate',
      payload: { rollgate: 1, previous: null },
      states: ['in_progress', 'success'],
    });

    const push = s.push();
    const runUrl = `https://github.com/${s.repo}/actions/runs/${push.env.GITHUB_RUN_ID}`;
    const { main, post } = await runStep(push, CONFIG);
    expect(main.code, main.stdout + main.stderr).toBe(0);
    // The first line says which Rollgate runs, before anything else loads.
    expect(main.stdout.split('\n')[0]).toBe(`Rollgate ${pkg.version}: rollout`);
    const deployment = s.state().deployments.find((d) => d.sha === s.sha)!;
    expect(main.outputs).toEqual({
      outcome: 'promoted',
      stage: '3',
      weight: '100',
      'deployment-id': String(deployment.id),
      report: expect.stringMatching(/report\.md$/),
    });
    expect(readFileSync(main.outputs.report!, 'utf8')).toContain('**Promoted** — shop-v2 serves 100% of production');
    expect(main.summary).toContain('### Rollgate · production · canary');
    expect(main.summary).toContain('**Promoted**');
    expect(main.stdout).toContain('::group::Stage 1/3 · 10% to shop-v2 · gates: error-rate');
    expect(main.stdout).toContain('✔ error-rate: 0.001 meets < 0.01');
    expect(s.checkout.weights()).toEqual([10, 50, 100]);

    expect(deployment.request).toMatchObject({
      ref: s.sha,
      auto_merge: false,
      required_contexts: [],
      task: 'deploy:rollgate',
      environment: 'production',
    });
    expect(deployment.payload).toMatchObject({
      rollgate: 1,
      previous: live.id,
      plan: { environment: 'production', environmentUrl: 'https://shop.example.com' },
    });
    const statuses = s.statuses(deployment.id);
    expect(statuses.map((x) => [x.state, x.description])).toEqual([
      ['in_progress', 'stage 1/3 · 10% · 1 gates to measure'],
      ['in_progress', 'stage 2/3 · 50% · 1/1 gates passing'],
      ['success', 'promoted · 100% · 1/1 gates passing'],
    ]);
    expect(statuses.every((x) => x.logUrl === runUrl)).toBe(true);
    expect(comments0(s.state().comments)).toContain(`[workflow run](${runUrl})`);
    expect(statuses.every((x) => x.environmentUrl === 'https://shop.example.com')).toBe(true);
    expect(s.statuses(live.id).at(-1)!.state).toBe('inactive');

    const comments = s.state().comments.filter((c) => c.issue === 41);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.edits).toBe(2);
    expect(comments[0]!.body).toContain('**Promoted**');
    expect(comments[0]!.body).toContain('```mermaid');
    expect(comments[0]!.body).toContain(`[deployment](https://github.com/${s.repo}/deployments/production)`);
    expect(comments[0]!.body.length).toBeLessThan(60_000);

    const calls = gh.restCalls(s.repo);
    expect(calls.length).toBeLessThanOrEqual(LIMIT);
    figures.push(`- push with a merged pull request: ${calls.length}`);
    expect(post.code).toBe(0);
    expect(post.stdout).toContain('nothing to restore');
    clean(expect, s.repo, main, post);
  });

  it('rolls back on a failing gate (pull_request event): traffic first, failure naming the gate, evidence on the comment, step failed', async ({
    expect,
  }) => {
    const s = scenario({ failFrom: 50 });
    const head = sha(902);
    gh.fake.addPullRequest(s.repo, { number: 42, headSha: head, headRef: 'new-cache', baseRef: 'main' });
    const nodeId = s.state().pulls[0]!.nodeId;
    const pr = job(s.checkout, {
      repo: s.repo,
      sha: 'e'.repeat(40),
      apiUrl: gh.url,
      token: TOKEN,
      event: pullRequestEvent(s.repo, { number: 42, nodeId, headSha: head, headRef: 'new-cache' }),
    });

    const { main, post } = await runStep(pr, CONFIG);
    expect(main.code).toBe(1);
    expect(main.outputs).toMatchObject({ outcome: 'rolled-back', stage: '2', weight: '0' });
    expect(s.checkout.weights()).toEqual([10, 50, 0]);
    expect(main.stdout).toContain(
      '::error title=Rollgate rolled back::production rolled back at stage 2/3: gate error-rate 0.2 (< 0.01). shop-v1 serves 100%.',
    );
    // The deployment is of the pull request's head, not of the merge commit the event checks out.
    const deployment = s.state().deployments[0]!;
    expect(deployment.sha).toBe(head);
    expect(s.statuses(deployment.id).map((x) => [x.state, x.description])).toEqual([
      ['in_progress', 'stage 1/3 · 10% · 1 gates to measure'],
      ['in_progress', 'stage 2/3 · 50% · 1/1 gates passing'],
      ['failure', 'rolled back at stage 2/3 · gate error-rate 0.2 (< 0.01)'],
    ]);
    const comments = s.state().comments.filter((c) => c.issue === 42);
    expect(comments).toHaveLength(1);
    const body = comments[0]!.body;
    expect(body).toContain('**Rolled back** at stage 2/3');
    expect(body.indexOf('Gate `error-rate` failed')).toBeLessThan(body.indexOf('| # | weight'));
    expect(body).toContain('measured: `0.2` (expected `< 0.01`)');
    expect(main.summary).toContain('Gate `error-rate` failed');
    // Not merged: nothing to revert, and no revert was asked for anyway.
    expect(s.state().pulls).toHaveLength(1);
    const calls = gh.restCalls(s.repo);
    expect(calls.length).toBeLessThanOrEqual(LIMIT);
    figures.push(`- pull_request event, rolled back at stage 2: ${calls.length}`);
    expect(post.code).toBe(0);
    clean(expect, s.repo, main, post);
  });

  it('opens a revert pull request of the merged PR after a regression, and links it', async ({ expect }) => {
    const s = scenario({ failFrom: 10, revert: true });
    gh.fake.addPullRequest(s.repo, {
      number: 43,
      headSha: sha(903),
      headRef: 'pricing',
      baseRef: 'main',
      mergeCommitSha: s.sha,
      title: 'New pricing',
    });
    const { main } = await runStep(s.push(), CONFIG);
    expect(main.code).toBe(1);
    expect(main.outputs.outcome).toBe('rolled-back');
    expect(s.checkout.weights()).toEqual([10, 0]);
    const revert = s.state().pulls.find((p) => p.revertOf === 43)!;
    expect(revert).toMatchObject({ title: 'Revert #43: rolled back from production', baseRef: 'main' });
    const url = `https://github.com/${s.repo}/pull/${revert.number}`;
    expect(main.stdout).toContain(`revert pull request opened: ${url}`);
    expect(s.state().comments.find((c) => c.issue === 43)!.body).toContain(`Revert pull request: ${url}`);
    expect(main.summary).toContain(`Revert pull request: ${url}`);
    expect(gh.fake.graphql.some((g) => g.query.includes('revertPullRequest') && !g.errors.length)).toBe(true);
    clean(expect, s.repo, main);
  });

  it('SIGTERM mid-bake: the post step returns traffic to stable, records error, updates the comment', async ({ expect }) => {
    const s = scenario({ bake: '30s' });
    gh.fake.addPullRequest(s.repo, { number: 44, headSha: sha(904), headRef: 'search', baseRef: 'main', mergeCommitSha: s.sha });
    const j = s.push();
    const main = startStep(j, 'main', CONFIG);
    await until(() => s.checkout.weights().includes(10) && s.state().statuses.length > 0, 'stage 1 to bake');
    main.child.kill('SIGTERM');
    const ended = await main.done;
    expect(ended.signal).toBe('SIGTERM');
    expect(ended.state.verdict).toBeUndefined();
    expect(s.checkout.weights()).toEqual([10]);

    const post = await startStep(j, 'post', CONFIG, ended.state).done;
    expect(post.code).toBe(1);
    expect(s.checkout.weights()).toEqual([10, 0]);
    const deployment = s.state().deployments[0]!;
    const last = s.statuses(deployment.id).at(-1)!;
    expect(last.state).toBe('error');
    expect(last.description).toMatch(/^rolled back at stage 1\/3 · interrupted: the main step ended without a verdict/);
    expect(post.stdout).toContain('::error title=Rollgate interrupted::production: interrupted');
    const comments = s.state().comments.filter((c) => c.issue === 44);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain('**Rolled back** at stage 1/3');
    expect(comments[0]!.body).toContain('interrupted: the main step ended without a verdict');
    expect(post.summary).toContain('**Rolled back**');
    clean(expect, s.repo, ended, post);
  });

  it("SIGKILL mid-bake without deployment statuses: the post step takes over the dead run's lock and returns traffic", async ({
    expect,
  }) => {
    const s = scenario({ bake: '30s', deployment: false });
    const j = s.push();
    const main = startStep(j, 'main', CONFIG);
    await until(() => s.checkout.weights().includes(10), 'stage 1 to bake');
    main.child.kill('SIGKILL');
    const ended = await main.done;
    expect(ended.signal).toBe('SIGKILL');
    expect(ended.state.verdict).toBeUndefined();
    // The dead run's lock is still there: the post step must take it over, not wait or refuse.
    expect(existsSync(`${ended.state.record}.lock`)).toBe(true);

    const post = await startStep(j, 'post', CONFIG, ended.state).done;
    expect(post.code).toBe(1);
    expect(s.checkout.weights()).toEqual([10, 0]);
    expect(post.stdout).toContain('::error title=Rollgate interrupted::production: interrupted: the main step ended without a verdict');
    expect(post.stdout).toContain('shop-v1 serves 100% again');
    // The post step recorded the rollback and let go of the dead run's lock.
    expect((await new FileStateStore(ended.state.record!).load())?.state.status).toBe('rolled-back');
    expect(existsSync(`${ended.state.record}.lock`)).toBe(false);
    expect(s.state().deployments).toEqual([]);
    expect(post.summary).toContain('**Rolled back**');
    clean(expect, s.repo, ended, post);
  });

  it('a re-run after the runner was lost resumes at the recorded stage', async ({ expect }) => {
    const s = scenario({ bake: '4s' });
    gh.fake.addPullRequest(s.repo, { number: 45, headSha: sha(905), headRef: 'catalog', baseRef: 'main', mergeCommitSha: s.sha });
    const first = startStep(s.push({ runId: 555001 }), 'main', CONFIG);
    await until(
      () =>
        s.state().statuses.some((x) => x.description.startsWith('stage 2/3')) &&
        s.state().comments.some((c) => c.body.includes('stage 2/3')),
      'stage 2 to be recorded',
    );
    first.child.kill('SIGKILL');
    await first.done;
    expect(s.checkout.weights()).toEqual([10, 50]);

    // Attempt 2 of the same run, on a fresh runner: only GitHub remembers.
    const { main, post } = await runStep(s.push({ runId: 555001, runAttempt: 2 }), CONFIG);
    expect(main.code, main.stdout + main.stderr).toBe(0);
    expect(main.outputs).toMatchObject({ outcome: 'promoted', stage: '3', weight: '100' });
    // Stage 2's weight is set again (a router may have been reset), then the rollout goes on: stage 1 is not repeated.
    expect(s.checkout.weights()).toEqual([10, 50, 50, 100]);
    expect(s.state().deployments).toHaveLength(1);
    const statuses = s.statuses(s.state().deployments[0]!.id).map((x) => x.state);
    expect(statuses).toEqual(['in_progress', 'in_progress', 'in_progress', 'success']);
    expect(main.outputs['deployment-id']).toBe(String(s.state().deployments[0]!.id));
    const body = s.state().comments.find((c) => c.issue === 45)!.body;
    expect(body).toContain('resumed at stage 2');
    expect(s.state().comments.filter((c) => c.issue === 45)).toHaveLength(1);
    expect(post.code).toBe(0);
    clean(expect, s.repo, main, post);
  });

  it('a second rollout of the environment refuses while one is in progress, and moves no traffic', async ({ expect }) => {
    // The first waits for approval before stage 2: in progress however slowly the second job starts.
    const s = scenario({ bake: '3s', approvalAt: 2 });
    const first = startStep(s.push(), 'main', CONFIG);
    await until(() => s.state().statuses.length > 0, 'the first rollout to start');
    const other = new Checkout({ bake: '3s' });
    const second = job(other, { repo: s.repo, sha: sha(906), apiUrl: gh.url, token: TOKEN, event: pushEvent(s.repo, sha(906)) });
    const { main, post } = await runStep(second, CONFIG);
    expect(main.code).toBe(1);
    expect(main.stdout).toMatch(
      new RegExp(
        `::error::production already has a rollout in progress: deployment \\d+ of ${s.sha.slice(0, 7)} \\("stage \\d/3 · \\d+% · [^"]+"\\), run https://github.com/${s.repo}/actions/runs/\\d+\\. Rollgate moves traffic for one rollout per environment at a time`,
      ),
    );
    expect(other.weights()).toEqual([]);
    expect(post.stdout).toContain('traffic never moved: nothing to restore');
    const done = await first.done;
    expect(done.code).toBe(0);
    expect(done.outputs.outcome).toBe('paused');
    expect(s.checkout.weights()).toEqual([10]);
    expect(s.state().deployments).toHaveLength(1);
    clean(expect, s.repo, main, post, done);
  });

  it('names the missing permission and moves no traffic', async ({ expect }) => {
    const s = scenario();
    const { main, post } = await runStep(s.push({ token: READ_ONLY }), { ...CONFIG, 'github-token': READ_ONLY });
    expect(main.code).toBe(1);
    expect(main.stdout).toContain(
      `::error::GitHub refused POST /repos/${s.repo}/deployments: the token lacks a permission. Add \`deployments: write\` to the job's permissions`,
    );
    expect(s.checkout.weights()).toEqual([]);
    expect(post.code).toBe(0);
    expect(main.stdout).toContain(`::add-mask::${READ_ONLY}`);
    expect(shown(main) + shown(post)).not.toContain(READ_ONLY);
    clean(expect, s.repo, main, post);
  });

  it('without pull-requests permission: a warning naming it, no comment, the rollout runs', async ({ expect }) => {
    const s = scenario();
    gh.fake.addPullRequest(s.repo, { number: 48, headSha: sha(910), headRef: 'footer', baseRef: 'main', mergeCommitSha: s.sha });
    const { main } = await runStep(s.push({ token: DEPLOY_ONLY }), { ...CONFIG, 'github-token': DEPLOY_ONLY });
    expect(main.code, main.stdout + main.stderr).toBe(0);
    expect(main.outputs.outcome).toBe('promoted');
    expect(main.stdout).toContain(
      `::warning::GitHub refused GET /repos/${s.repo}/commits/${s.sha}/pulls: the token lacks a permission. Add \`pull-requests: read\``,
    );
    expect(s.state().comments).toEqual([]);
    expect(s.checkout.weights()).toEqual([10, 50, 100]);
    clean(expect, s.repo, main);
  });

  it('a push with no pull request: no comment, no error, the rollout runs', async ({ expect }) => {
    const s = scenario();
    const { main } = await runStep(s.push(), CONFIG);
    expect(main.code, main.stdout + main.stderr).toBe(0);
    expect(main.stdout).toContain('no pull request for this commit: no comment');
    expect(main.outputs.outcome).toBe('promoted');
    expect(s.state().comments).toEqual([]);
    expect(existsSync(main.outputs.report!)).toBe(true);
    const calls = gh.restCalls(s.repo);
    expect(calls.length).toBeLessThanOrEqual(LIMIT);
    figures.push(`- push without a pull request: ${calls.length}`);
    clean(expect, s.repo, main);
  });

  it('stage per job: `advance` runs one stage and stops, `promote` approves and finishes from another job', async ({ expect }) => {
    const s = scenario();
    gh.fake.addPullRequest(s.repo, { number: 46, headSha: sha(907), headRef: 'banner', baseRef: 'main', mergeCommitSha: s.sha });
    const first = await runStep(s.push(), { ...CONFIG, command: 'advance' });
    expect(first.main.code, first.main.stdout + first.main.stderr).toBe(0);
    expect(first.main.outputs).toMatchObject({ outcome: 'paused', stage: '2', weight: '10' });
    expect(first.post.stdout).toContain('nothing to restore');
    expect(s.checkout.weights()).toEqual([10]);
    const deployment = s.state().deployments[0]!;
    expect(s.statuses(deployment.id).at(-1)).toMatchObject({ state: 'queued', description: 'stage 2/3 · 10% · awaiting approval' });
    // The recorded plan is the spec's: the stop was this job's, not the rollout's.
    expect((deployment.payload as { plan: { stages: Array<{ approval: boolean }> } }).plan.stages.map((x) => x.approval)).toEqual([
      false,
      false,
      false,
    ]);

    const second = await runStep(s.push({ runAttempt: 1 }), { ...CONFIG, command: 'promote' });
    expect(second.main.code, second.main.stdout + second.main.stderr).toBe(0);
    expect(second.main.outputs).toMatchObject({ outcome: 'promoted', stage: '3', weight: '100', 'deployment-id': String(deployment.id) });
    expect(s.checkout.weights()).toEqual([10, 50, 100]);
    expect(s.statuses(deployment.id).map((x) => x.state)).toEqual(['in_progress', 'queued', 'in_progress', 'in_progress', 'success']);
    expect(s.state().comments.filter((c) => c.issue === 46)).toHaveLength(1);
    clean(expect, s.repo, first.main, second.main);
  });

  it('controls from other jobs: `status` reads the deployment only, `abort` returns traffic, a repeated abort changes nothing', async ({
    expect,
  }) => {
    const s = scenario();
    gh.fake.addPullRequest(s.repo, { number: 47, headSha: sha(908), headRef: 'search-v2', baseRef: 'main', mergeCommitSha: s.sha });
    const started = await runStep(s.push(), { ...CONFIG, command: 'advance' });
    expect(started.main.outputs.outcome).toBe('paused');
    const deployment = s.state().deployments[0]!;

    // `status` with a token that may only read deployments (the validate job of the reusable workflow).
    const before = gh.restCalls(s.repo).length;
    const status = await startStep(s.push({ token: READ_ONLY }), 'main', { ...CONFIG, 'github-token': READ_ONLY, command: 'status' }).done;
    expect(status.code, status.stdout + status.stderr).toBe(0);
    expect(status.outputs).toEqual({ outcome: 'paused', stage: '2', weight: '10', 'deployment-id': String(deployment.id) });
    expect(status.stdout).toContain(
      `production: deployment ${deployment.id} of ${s.sha.slice(0, 7)} · queued · stage 2/3 · 10% · awaiting approval`,
    );
    expect(status.summary).toContain('### Rollgate · production');
    expect(
      gh
        .restCalls(s.repo)
        .slice(before)
        .map((c) => c.method),
    ).toEqual(['GET', 'GET']);

    // `abort` from a job on another commit (an incident workflow) acts on the rollout in progress.
    const abortJob = job(s.checkout, { repo: s.repo, sha: sha(909), apiUrl: gh.url, token: TOKEN, event: pushEvent(s.repo, sha(909)) });
    const aborted = await runStep(abortJob, { ...CONFIG, command: 'abort' });
    expect(aborted.main.code, aborted.main.stdout + aborted.main.stderr).toBe(0);
    expect(aborted.main.outputs).toMatchObject({ outcome: 'rolled-back', weight: '0', 'deployment-id': String(deployment.id) });
    expect(aborted.main.stdout).toContain('::notice title=Rollgate aborted::production rolled back from stage 2/3: shop-v1 serves 100%.');
    expect(s.checkout.weights()).toEqual([10, 0]);
    expect(s.statuses(deployment.id).at(-1)).toMatchObject({
      state: 'failure',
      description: 'rolled back at stage 2/3 · aborted: requested by @alice',
    });

    const again = await runStep(abortJob, { ...CONFIG, command: 'abort' });
    expect(again.main.code).toBe(0);
    expect(again.main.stdout).toContain(
      'no rollout in progress in production: nothing to abort (the last one: "rolled back at stage 2/3 · aborted: requested by @alice")',
    );
    expect(again.main.outputs).toMatchObject({ outcome: 'rolled-back', stage: '2', weight: '0' });
    expect(s.checkout.weights()).toEqual([10, 0]);
    expect(s.state().deployments).toHaveLength(1);
    clean(expect, s.repo, started.main, status, aborted.main, again.main);
  });
});
