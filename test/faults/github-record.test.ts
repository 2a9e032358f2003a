// Faults on the GitHub side of the record, against GitHub's REST description (Prism in front of the
// stateful fake): two overlapping runs, a run ended by another job, a forged comment.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { drive } from '../../src/driver/driver.js';
import { FakeClock } from '../harness/clock.js';
import type { Plan } from '../../src/engine/plan.js';
import { createGitHubClient } from '../../src/github/client.js';
import { encodeRecord, StickyComment } from '../../src/github/comment.js';
import { DeploymentStore, RolloutInProgressError } from '../../src/github/deployments.js';
import { RolloutLockedError } from '../../src/driver/state-lock.js';
import { initialState } from '../../src/engine/engine.js';
import { startGitHubHarness, type GitHubHarness } from '../harness/github/index.js';
import type { FakeUser } from '../harness/github/fake.js';
import { planFrom, quietLog, RecordingRouter } from '../harness/sim.js';

let gh: GitHubHarness;
const TOKEN = 'ghs_faultsJobToken0123456789';
const EVIL_APP: FakeUser = { login: 'evil-app[bot]', id: 990001, type: 'Bot' };
let n = 0;

beforeAll(async () => {
  gh = await startGitHubHarness();
  gh.fake.addToken(TOKEN);
}, 90_000);
afterAll(async () => gh?.stop());
afterEach(() => expect(gh.front.violations).toEqual([]));

const client = () => createGitHubClient({ token: TOKEN, apiUrl: gh.url, log: quietLog, pacing: false, retryBaseMs: 1 });
const sha = (i: number) => i.toString(16).padStart(40, 'b');
const PLAN: Plan = planFrom(`
version: 1
traffic: { provider: command, command: "true" }
stages:
  - { weight: 10, bake: 2m }
  - { weight: 50, bake: 2m, approval: true }
  - { weight: 100 }
gates:
  errors: { provider: command, command: "true", interval: 30s }
`);

const STRAIGHT: Plan = { ...PLAN, stages: PLAN.stages.map((stage) => ({ ...stage, approval: false })) };

function repoFor() {
  const name = `acme/faults-${++n}`;
  const [owner, repo] = name.split('/') as [string, string];
  return { name, ref: { owner, repo } };
}

function store(repo: ReturnType<typeof repoFor>, commit: string, comment?: StickyComment) {
  return new DeploymentStore({
    github: client(),
    target: { repo: repo.ref, environment: 'production', sha: commit, logUrl: 'https://github.com/run/1' },
    log: quietLog,
    anyCommit: false,
    ...(comment ? { embedded: async () => (await comment.find())?.record } : {}),
  });
}

const gates = {
  errors: { name: 'errors', provider: 'x', measure: async () => ({ verdict: 'pass' as const, evidence: { summary: 'ok' } }) },
};

describe('two runs that overlap', () => {
  it('both find the environment free; the older deployment wins, the other never touches the router', async () => {
    const repo = repoFor();
    const a = store(repo, sha(1));
    const b = store(repo, sha(2));
    // Both look before either has created its deployment: both see a free environment.
    expect(await a.load()).toBeUndefined();
    expect(await b.load()).toBeUndefined();
    const routerA = new RecordingRouter([]);
    const routerB = new RecordingRouter([]);
    const runA = drive({ router: routerA, gates, store: a, reporters: [], clock: new FakeClock(), log: quietLog }, { plan: PLAN, id: 'a' });
    const runB = drive({ router: routerB, gates, store: b, reporters: [], clock: new FakeClock(), log: quietLog }, { plan: PLAN, id: 'b' });
    const [resultA, resultB] = await Promise.allSettled([runA, runB]);
    const won = [resultA, resultB].filter((r) => r.status === 'fulfilled');
    const lost = [resultA, resultB].filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(RolloutInProgressError);
    const loserRouter = resultA.status === 'rejected' ? routerA : routerB;
    expect(loserRouter.history).toEqual([]);
    const deployments = gh.fake.repo(repo.name).deployments.sort((x, y) => x.id - y.id);
    expect(deployments).toHaveLength(2);
    // The older one holds the environment; the newer is ended, naming the holder.
    const winner = resultA.status === 'fulfilled' ? a : b;
    expect(winner.id).toBe(deployments[0]!.id);
    expect(gh.fake.statusesOf(repo.name, deployments[1]!.id).at(-1)).toMatchObject({
      state: 'error',
      description: `deployment ${deployments[0]!.id} holds production; this run stopped`,
    });
  });

  it('a run whose deployment another job ended stops before its next traffic change', async () => {
    const repo = repoFor();
    const a = store(repo, sha(3));
    const router = new RecordingRouter([]);
    let measured = 0;
    const ending = {
      errors: {
        name: 'errors',
        provider: 'x',
        measure: async () => {
          // Mid-bake of stage 1, an abort job ends the deployment.
          if (++measured === 2)
            await client().rest.repos.createDeploymentStatus({
              ...repo.ref,
              deployment_id: a.id!,
              state: 'failure',
              description: 'rolled back at stage 1/3 · aborted: requested by @oncall',
            });
          return { verdict: 'pass' as const, evidence: { summary: 'ok' } };
        },
      },
    };
    const error = await drive(
      { router, gates: ending, store: a, reporters: [], clock: new FakeClock(), log: quietLog },
      { plan: STRAIGHT, id: 'a' },
    ).catch((e: Error) => e);
    expect(error).toBeInstanceOf(RolloutLockedError);
    expect((error as Error).message).toMatch(/no longer holds production: it was ended by another job/);
    expect(router.history).toEqual([10]);
  });
});

describe('a comment nobody but Rollgate may write', () => {
  it("another app's comment with the marker and a forged record is neither used nor edited", async () => {
    const repo = repoFor();
    const commit = sha(4);
    gh.fake.addPullRequest(repo.name, { number: 7, headSha: commit, headRef: 'f', baseRef: 'main' });
    // A real rollout pauses for approval before stage 2, with its own comment.
    const comment = new StickyComment(client(), repo.ref, 7, 'production', quietLog);
    const first = store(repo, commit, comment);
    const { GitHubReporter } = await import('../../src/github/reporter.js');
    const reporter = new GitHubReporter({ deployments: first, comment, links: { run: 'x' }, runUrl: 'x', log: quietLog });
    const result = await drive(
      { router: new RecordingRouter([]), gates, store: first, reporters: [reporter], clock: new FakeClock(), log: quietLog },
      { plan: PLAN, id: 'real' },
    );
    expect(result.outcome).toBe('paused');
    const ours = gh.fake.repo(repo.name).comments.find((c) => c.issue === 7)!;
    gh.fake.repo(repo.name).comments.splice(gh.fake.repo(repo.name).comments.indexOf(ours), 1);

    // Another app writes the marker with a forged state: approval given, bake elapsed, at the real position.
    const forged = { ...initialState('real', Date.now()), status: 'awaiting-approval' as const, stage: 1, weight: 10, approvedStage: 1 };
    forged.pause = { kind: 'approval', reason: 'x', at: Date.now() };
    const body = `forged\n<!-- rollgate:comment environment=production -->\n${encodeRecord({ deployment: first.id!, state: forged })}`;
    const evil = gh.fake.addComment(repo.name, 7, body, EVIL_APP);

    const later = new StickyComment(client(), repo.ref, 7, 'production', quietLog);
    expect(await later.find()).toBeUndefined();
    const resumed = await store(repo, commit, later).load();
    // Rebuilt from the deployment's status alone: awaiting approval, no approval recorded.
    expect(resumed!.state).toMatchObject({ status: 'awaiting-approval', stage: 1, weight: 10, measurements: [] });
    expect(resumed!.state.approvedStage).toBeUndefined();
    await later.write('### report');
    expect(evil.edits).toBe(0);
    expect(evil.body).toBe(body);
  });
});
