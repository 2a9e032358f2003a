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
  error-rate: { provider: command, command: sh gate.sh, threshold: "< 0.01", interval: 500ms }
`;
}

/** Plays the pipeline for one push; `ROLLGATE_ENV` carries FAIL_FROM, which the gate reads. */
async function play(approvals: number[], strategy = 'canary') {
  const repo = `acme/pack-${++repos}`;
  const sha = (repos * 104729).toString(16).padStart(40, 'd');
  const checkout = new Checkout();
  writeFileSync(`${checkout.dir}/.github/rollout.yml`, spec(approvals));
  const inputs = { strategy, environment: 'production', config: '.github/rollout.yml', ref: '', 'approval-environment': '', revert: false };
  const secrets = { ROLLGATE_ENV: 'FAIL_FROM=101\nPROM_TOKEN=pack-secret-value', ROLLGATE_TOKEN: '' };
  const runId = 990_000 + repos;
  const results: Record<string, JobResult> = {};
  for (const [id, body] of Object.entries(release.jobs as Record<string, Node>)) {
    const needs = [body.needs ?? []].flat() as string[];
    const context = { inputs, secrets, github: { token: TOKEN, sha }, needs: Object.fromEntries(needs.map((n) => [n, results[n]])) };
    // Without a status function GitHub runs a job only when every job it needs succeeded.
    const condition = typeof body.if === 'string' ? body.if.replace('always()', 'true') : undefined;
    const allSucceeded = needs.every((n) => results[n]!.result === 'success');
    const runs = condition?.includes('true &&')
      ? evaluate(condition, context) === 'true'
      : allSucceeded && (!condition || evaluate(condition, context) === 'true');
    if (!runs) {
      results[id] = { result: 'skipped', outputs: {}, log: '' };
      continue;
    }
    if (body.uses) throw new Error(`${id} (${body.uses}) was to run: this scenario expects no rollback`);
    // The reviewer approves; the job's only step writes the summary line.
    if (id.startsWith('approve-')) {
      results[id] = { result: 'success', outputs: {}, log: '' };
      continue;
    }
    const step = (body.steps as Node[]).find((s) => typeof s.uses === 'string' && s.uses.startsWith('rollgate/rollgate@'))!;
    const withInputs = Object.fromEntries(
      Object.entries(step.with as Node)
        .map(([name, value]) => [name, evaluate(value, context)] as const)
        .filter(([, value]) => value !== ''),
    );
    const ran = await runStep(job(checkout, { repo, sha, apiUrl: gh.url, token: TOKEN, event: pushEvent(repo, sha), runId }), withInputs);
    const steps = { checkout: { outputs: { commit: sha } }, [step.id ?? 'rollgate']: { outputs: ran.main.outputs } };
    results[id] = {
      result: ran.main.code === 0 && ran.post.code === 0 ? 'success' : 'failure',
      outputs: Object.fromEntries(Object.entries((body.outputs ?? {}) as Node).map(([name, value]) => [name, evaluate(value, { steps })])),
      log: ran.main.stdout + ran.main.stderr,
    };
  }
  const jobs = Object.fromEntries(Object.entries(results).map(([id, r]) => [id, { outputs: r.outputs }]));
  const outputs = Object.fromEntries(
    Object.entries(release.on.workflow_call.outputs as Node).map(([name, output]) => [name, evaluate(output.value, { jobs })]),
  );
  const ran = Object.entries(results)
    .filter(([, r]) => r.result !== 'skipped')
    .map(([id, r]) => `${id}:${r.result}`);
  return { checkout, results, outputs, ran, repo };
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
});
