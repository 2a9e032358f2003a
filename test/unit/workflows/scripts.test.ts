// The shell steps of the pack, run with bash as a GitHub runner runs a `run:` step (bash -e), with
// the runner's files (GITHUB_ENV, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY) in a temp dir. The revert step
// talks to GitHub through the GitHub CLI; here `gh` is a stand-in on PATH that answers as gh does
// after its --jq filter, and records how it was called.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT, workflowFiles } from './files.js';

type Node = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function stepsNamed(name: string): Array<{ where: string; run: string }> {
  return workflowFiles().flatMap(({ file, text }) =>
    Object.entries((parse(text) as Node).jobs ?? {}).flatMap(([job, body]) =>
      ((body as Node).steps ?? []).filter((s: Node) => s.name === name).map((s: Node) => ({ where: `${file} ${job}`, run: String(s.run) })),
    ),
  );
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'rollgate-steps-'));
  for (const file of ['env', 'output', 'summary', 'gh.log']) writeFileSync(path.join(dir, file), '');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function runStep(script: string, env: Record<string, string>): string {
  const file = path.join(dir, 'step.sh');
  writeFileSync(file, script);
  return execFileSync('bash', ['-e', file], {
    cwd: ROOT,
    encoding: 'utf8',
    env: {
      PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`,
      GITHUB_ENV: path.join(dir, 'env'),
      GITHUB_OUTPUT: path.join(dir, 'output'),
      GITHUB_STEP_SUMMARY: path.join(dir, 'summary'),
      ...env,
    },
  });
}
const read = (name: string) => readFileSync(path.join(dir, name), 'utf8');

describe("the providers' credentials step", () => {
  const steps = stepsNamed("Export the providers' credentials");

  it('is the same script in every job that moves traffic', () => {
    expect(steps.length).toBe(8);
    expect(new Set(steps.map((s) => s.run)).size).toBe(1);
  });

  it('masks every value before exporting the lines', () => {
    const stdout = runStep(steps[0]!.run, { ROLLGATE_ENV: 'PROM_TOKEN=s3cr=t\n\nDD_API_KEY=abc 123\nEMPTY=\n' });
    expect(stdout).toBe('::add-mask::s3cr=t\n::add-mask::abc 123\n');
    expect(read('env')).toBe('PROM_TOKEN=s3cr=t\nDD_API_KEY=abc 123\nEMPTY=\n');
  });

  it('refuses a line that is not NAME=value, without printing it', () => {
    let failure: { status?: number; stdout?: string } = {};
    try {
      runStep(steps[0]!.run, { ROLLGATE_ENV: 'PROM_TOKEN=ok\nhunter2' });
    } catch (error) {
      failure = error as typeof failure;
    }
    expect(failure.status).toBe(1);
    expect(failure.stdout).toBe('::error::ROLLGATE_ENV holds a line that is not NAME=value\n');
    expect(read('env')).toBe('');
  });

  it('does nothing without the secret', () => {
    expect(runStep(steps[0]!.run, { ROLLGATE_ENV: '' })).toBe('');
    expect(read('env')).toBe('');
  });
});

describe('the revert step', () => {
  const [revert] = stepsNamed('Revert the merged pull request of the released commit');
  const env = { GH_TOKEN: 'token', REPOSITORY: 'acme/shop', COMMIT: 'c0ffee' };

  // Answers: the merged pull request ("number node_id", or nothing), an open revert's URL (or nothing),
  // the URL of the revert the mutation opens.
  function fakeGh(merged: string, openRevert: string) {
    const bin = path.join(dir, 'bin');
    execFileSync('mkdir', ['-p', bin]);
    writeFileSync(
      path.join(bin, 'gh'),
      `#!/usr/bin/env bash
printf '%s\\n' "$*" >> "${path.join(dir, 'gh.log')}"
case "$1 $2" in
  "api repos/"*) printf '%s' ${JSON.stringify(merged)} ;;
  "pr list") printf '%s' ${JSON.stringify(openRevert)} ;;
  "api graphql") echo https://github.com/acme/shop/pull/99 ;;
esac
`,
    );
    chmodSync(path.join(bin, 'gh'), 0o755);
  }
  const calls = () => read('gh.log').split('\n').filter(Boolean);

  it('opens the revert of the merged pull request', () => {
    fakeGh('42 PR_kwDOA', '');
    runStep(revert!.run, env);
    expect(calls()[0]).toMatch(/^api repos\/acme\/shop\/commits\/c0ffee\/pulls --jq /);
    expect(calls()[1]).toMatch(/^pr list --repo acme\/shop --state open --json headRefName,url --jq .*startswith\("revert-42-"\)/);
    expect(calls()[2]).toMatch(
      /^api graphql -f id=PR_kwDOA -f query=mutation\(\$id: ID!\) \{ revertPullRequest\(input: \{pullRequestId: \$id\}\)/,
    );
    expect(read('output')).toBe('url=https://github.com/acme/shop/pull/99\n');
    expect(read('summary')).toBe('Revert of #42: https://github.com/acme/shop/pull/99\n');
  });

  it('links the revert already open instead of opening a second', () => {
    fakeGh('42 PR_kwDOA', 'https://github.com/acme/shop/pull/77');
    runStep(revert!.run, env);
    expect(calls()).toHaveLength(2);
    expect(read('output')).toBe('url=https://github.com/acme/shop/pull/77\n');
  });

  it('reverts nothing when no pull request brought the commit', () => {
    fakeGh('', '');
    runStep(revert!.run, env);
    expect(calls()).toHaveLength(1);
    expect(read('output')).toBe('');
    expect(read('summary')).toBe('No merged pull request brought c0ffee: nothing to revert.\n');
  });
});
