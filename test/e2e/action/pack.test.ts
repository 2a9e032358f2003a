// The release pipeline (.github/workflows/rollgate-release.yml) played job by job as GitHub plays it:
// each job's needs and if, the with: and outputs: values through GitHub's own expression evaluator
// (@actions/expressions), every Rollgate step as the built action (dist/main, then dist/post) against
// the fake GitHub behind Prism, an approval job as a reviewer passes it. A spec with two approval
// points goes through to the end; one with more than the pipeline's rounds is refused before traffic moves.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { data, Evaluator, Lexer, Parser } from '@actions/expressions';
import { startGitHubHarness, type GitHubHarness } from '../../harness/github/index.js';
import { Checkout, job, pushEvent } from './fixture.js';
import { runStep } from './runner.js';

type Node = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const TOKEN = 'ghs_e2ePackToken0f1e2d3c4b5a69788796a5b4';
const release = parse(
  readFileSync(fileURLToPath(new URL('../../../.github/workflows/rollgate-release.yml', import.meta.url)), 'utf8'),
) as Node;

let gh: GitHubHarness;
let repos = 0;
beforeAll(async () => {
  gh = await startGitHubHarness();
  gh.fake.addToken(TOKEN);
}, 90_000);
afterAll(async () => gh?.stop());

/** `text` with each ${{ }} evaluated by GitHub's evaluator over `context`. */
function evaluate(text: unknown, context: object): string {
  if (typeof text !== 'string') return String(text);
  return text.replace(/\$\{\{(.*?)\}\}/g, (_, expression: string) => {
    const lexed = new Lexer(expression.trim()).lex();
    const ast = new Parser(lexed.tokens, Object.keys(context), []).parse();
    return new Evaluator(ast, JSON.parse(JSON.stringify(context), data.reviver) as data.Dictionary).evaluate().coerceString();
  });
}

interface JobResult {
  result: 'success' | 'failure' | 'skipped';
  outputs: Record<string, string>;
  log: string;
}

function spec(approvals: number[]): string {
  return `version: 1
environment: production
traffic: { provider: command, command: sh traffic.sh, verify: cat traffic/weight, stable: shop-v1, canary: shop-v2 }
stages:
${[10, 25, 50, 75, 90, 100].map((w, i) => `  - { weight: ${w}${w < 100 ? ', bake: 1s' : ''}${approvals.includes(i + 1) ? ', approval: true' : ''} }`).join('\n')}
gates:
  error-rate: { provider: command, command: sh gate.sh, threshold: "< 0.01", interval: 1s }
`;
}

const workflowAt = (path: string) => parse(readFileSync(fileURLToPath(new URL(`../../../${path}`, import.meta.url)), 'utf8')) as Node;

interface Run {
  checkout: Checkout;
  repo: string;
  sha: string;
  runId: number;
  /** The reviewer's answer at each approval job, by id (default: approve). */
  review: Record<string, 'approve' | 'reject'>;
  /** Every job that ran, in order, as `workflow/job:result`. */
  ran: string[];
}

/** Plays one reusable workflow (and the Rollgate workflows it calls) as GitHub would, job by job. */
async function playWorkflow(run: Run, workflow: Node, name: string, inputs: Node, secrets: Node) {
  const results: Record<string, JobResult> = {};
  for (const [id, body] of Object.entries(workflow.jobs as Record<string, Node>)) {
    const needs = [body.needs ?? []].flat() as string[];
    const context = {
      inputs,
      secrets,
      github: { token: TOKEN, sha: run.sha },
      needs: Object.fromEntries(needs.map((n) => [n, results[n]])),
    };
    const allSucceeded = needs.every((n) => results[n]!.result === 'success');
    let runs = allSucceeded;
    if (typeof body.if === 'string') {
      // A status function replaces the implicit success(); the run is never cancelled here.
      const statusFunction = /\b(always|cancelled|success|failure)\(\)/.test(body.if);
      const condition = body.if
        .replace(/always\(\)/g, 'true')
        .replace(/cancelled\(\)/g, 'false')
        .replace(/success\(\)/g, String(allSucceeded))
        .replace(/failure\(\)/g, String(needs.some((n) => results[n]!.result === 'failure')));
      runs = (statusFunction || allSucceeded) && evaluate(condition, context) === 'true';
    }
    if (!runs) {
      results[id] = { result: 'skipped', outputs: {}, log: '' };
      continue;
    }
    if (typeof body.uses === 'string') {
      // A call of a Rollgate workflow: its inputs and secrets evaluated here, its outputs back.
      const path = /^rollgate\/rollgate\/(.+)@v1$/.exec(body.uses)![1]!;
      const called = workflowAt(path);
      const callInputs = Object.fromEntries(
        Object.entries(called.on.workflow_call.inputs as Node).map(([input, spec]) => {
          const given = (body.with ?? {})[input];
          const value = given === undefined ? (spec.default ?? '') : evaluate(given, context);
          return [input, spec.type === 'boolean' ? value === true || value === 'true' : value];
        }),
      );
      const callSecrets = Object.fromEntries(Object.entries((body.secrets ?? {}) as Node).map(([k, v]) => [k, evaluate(v, context)]));
      const inner = await playWorkflow(run, called, path.replace(/^.*\//, ''), callInputs, callSecrets);
      results[id] = { result: inner.failed ? 'failure' : 'success', outputs: inner.outputs, log: '' };
      run.ran.push(`${name}/${id}:${results[id]!.result}`);
      continue;
    }
    if (id.startsWith('approve')) {
      results[id] = { result: run.review[id] === 'reject' ? 'failure' : 'success', outputs: {}, log: '' };
      run.ran.push(`${name}/${id}:${results[id]!.result}`);
      continue;
    }
    const step = (body.steps as Node[]).find((s) => typeof s.uses === 'string' && s.uses.startsWith('rollgate/rollgate@'))!;
    const withInputs = Object.fromEntries(
      Object.entries(step.with as Node)
        .map(([input, value]) => [input, evaluate(value, context)] as const)
        .filter(([, value]) => value !== ''),
    );
    const environment = job(run.checkout, {
      repo: run.repo,
      sha: run.sha,
      apiUrl: gh.url,
      token: TOKEN,
      event: pushEvent(run.repo, run.sha),
      runId: run.runId,
    });
    const ran = await runStep(environment, withInputs);
    const steps = { checkout: { outputs: { commit: run.sha } }, [step.id ?? 'rollgate']: { outputs: ran.main.outputs } };
    results[id] = {
      result: ran.main.code === 0 && ran.post.code === 0 ? 'success' : 'failure',
      outputs: Object.fromEntries(
        Object.entries((body.outputs ?? {}) as Node).map(([output, value]) => [output, evaluate(value, { steps })]),
      ),
      log: ran.main.stdout + ran.main.stderr,
    };
    run.ran.push(`${name}/${id}:${results[id]!.result}`);
  }
  const jobs = Object.fromEntries(Object.entries(results).map(([id, r]) => [id, { outputs: r.outputs }]));
  const outputs = Object.fromEntries(
    Object.entries((workflow.on.workflow_call.outputs ?? {}) as Node).map(([output, spec]) => [output, evaluate(spec.value, { jobs })]),
  );
  return { results, outputs, failed: Object.values(results).some((r) => r.result === 'failure') };
}

/** Plays the pipeline for one push; `ROLLGATE_ENV` carries FAIL_FROM, which the gate reads. */
async function play(approvals: number[], strategy = 'canary', review: Run['review'] = {}) {
  const repo = `acme/pack-${++repos}`;
  const run: Run = {
    checkout: new Checkout(),
    repo,
    sha: (repos * 104729).toString(16).padStart(40, 'd'),
    runId: 990_000 + repos,
    review,
    ran: [],
  };
  writeFileSync(`${run.checkout.dir}/.github/rollout.yml`, spec(approvals));
  const inputs = {
    strategy,
    environment: 'production',
    config: '.github/rollout.yml',
    ref: '',
    'approval-environment': '',
    revert: false,
    'runs-on': 'ubuntu-latest',
  };
  const secrets = { ROLLGATE_ENV: 'FAIL_FROM=101\nPROM_TOKEN=pack-secret-value', ROLLGATE_TOKEN: '' };
  const { results, outputs } = await playWorkflow(run, release, 'release', inputs, secrets);
  return { checkout: run.checkout, results, outputs, ran: run.ran.map((r) => r.replace(/^release\//, '')), repo };
}

describe('the release pipeline, job by job', () => {
  it('a spec with two approval points: start → approve-1 → resume-1 → approve-2 → resume-2, promoted', async () => {
    const { checkout, outputs, ran, results } = await play([2, 6]);
    expect(ran).toEqual([
      'validate:success',
      'start:success',
      'approve-1:success',
      'resume-1:success',
      'approve-2:success',
      'resume-2:success',
    ]);
    expect(results.start!.outputs).toMatchObject({ outcome: 'paused', stage: '2' });
    expect(results['resume-1']!.outputs).toMatchObject({ outcome: 'paused', stage: '6', weight: '90' });
    expect(outputs).toMatchObject({ outcome: 'promoted', stage: '6', weight: '100' });
    expect(outputs['deployment-id']).toMatch(/^\d+$/);
    expect(checkout.weights()).toEqual([10, 25, 50, 75, 90, 100]);
    // The credentials reached the gate (FAIL_FROM) through the action, masked.
    // The runner consumes ::add-mask:: lines: what people see is the rest.
    expect(results.start!.log).toContain('::add-mask::pack-secret-value');
    for (const r of Object.values(results)) expect(r.log.replace(/^::add-mask::.*$/gm, '')).not.toContain('pack-secret-value');
  }, 240_000);

  it('a spec with more approval points than rounds is refused by validate, before any traffic moves', async () => {
    const { checkout, ran, results } = await play([2, 3, 4, 5, 6]);
    expect(ran).toEqual(['validate:failure']);
    expect(results.validate!.log).toContain(
      'the spec asks for 5 approvals (before stages 2, 3, 4, 5, 6), and this workflow waits for at most 4; nothing was changed',
    );
    expect(checkout.weights()).toEqual([]);
  }, 120_000);

  it('blue-green keeps a round for the switch: four approval points are refused there', async () => {
    const { ran, results } = await play([2, 3, 4, 5], 'blue-green');
    expect(ran).toEqual(['validate:failure']);
    expect(results.validate!.log).toContain('this workflow waits for at most 3');
  }, 120_000);

  it('blue-green: the first job runs one stage (advance), the switch waits for its approval, then finishes', async () => {
    const { checkout, outputs, ran, results } = await play([], 'blue-green');
    expect(ran).toEqual(['validate:success', 'start:success', 'approve-1:success', 'resume-1:success']);
    expect(results.start!.outputs).toMatchObject({ outcome: 'paused', stage: '2', weight: '10' });
    expect(checkout.weights()).toEqual([10, 25, 50, 75, 90, 100]);
    expect(outputs.outcome).toBe('promoted');
  }, 240_000);

  it('a rejection at the second approval point: the rollback workflow returns traffic to stable', async () => {
    const { checkout, outputs, ran } = await play([2, 6], 'canary', { 'approve-2': 'reject' });
    expect(ran).toEqual([
      'validate:success',
      'start:success',
      'approve-1:success',
      'resume-1:success',
      'approve-2:failure',
      'rollgate-rollback.yml/abort:success',
      'rollback:success',
    ]);
    expect(checkout.weights()).toEqual([10, 25, 50, 75, 90, 0]);
    expect(outputs.outcome).toBe('rolled-back');
  }, 240_000);
});
