import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkWorkflow, contextReferences, parseUses, readAction, ROLLGATE_REPOSITORY } from './invariants.js';
import { ROOT, workflowFiles } from './files.js';

const files = workflowFiles();
type Node = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const load = (file: string): Node => parse(files.find((f) => f.file === file)!.text) as Node;

describe('every workflow keeps the invariants', () => {
  it.each(files.map((f) => [f.file, f.text]))('%s', (file, text) => {
    expect(checkWorkflow(ROOT, file, text)).toEqual([]);
  });
});

describe('the inputs each workflow passes to the action exist in action.yml', () => {
  const action = readAction(ROOT, '')!;
  const steps = files.flatMap(({ file, text }) =>
    Object.entries((parse(text) as Node).jobs ?? {}).flatMap(([job, body]) =>
      ((body as Node).steps ?? [])
        .filter((step: Node) => typeof step.uses === 'string' && step.uses.toLowerCase().startsWith(`${ROLLGATE_REPOSITORY}@`))
        .map((step: Node) => ({ where: `${file} jobs.${job}`, with: (step.with ?? {}) as Node })),
    ),
  );

  it('finds the action in every job that moves traffic', () => {
    expect(steps.length).toBeGreaterThanOrEqual(8);
    const commands = steps.map((s) => s.with.command);
    for (const command of [
      "${{ inputs.strategy == 'blue-green' && 'advance' || 'run' }}",
      'promote',
      'abort',
      'status',
      'revert',
      'lint-migrations',
      '${{ inputs.command }}',
    ])
      expect(commands).toContain(command);
  });

  it.each(['config', 'command', 'environment', 'github-token'])('action.yml declares %s', (name) => {
    expect(Object.keys(action.inputs)).toContain(name);
  });

  it('passes only declared inputs', () => {
    const unknown = steps.flatMap((s) =>
      Object.keys(s.with)
        .filter((name) => !(name in action.inputs))
        .map((name) => `${s.where}: ${name}`),
    );
    expect(unknown).toEqual([]);
  });
});

describe('the shape of the pack', () => {
  const needs = (workflow: Node, job: string) => [workflow.jobs[job].needs ?? []].flat();
  const release = load('.github/workflows/rollgate-release.yml');
  const rollgateStep = (job: Node) =>
    job.steps.find((s: Node) => typeof s.uses === 'string' && s.uses.startsWith(`${ROLLGATE_REPOSITORY}@`));

  it.each([
    ['rollgate-canary.yml', 'canary'],
    ['rollgate-blue-green.yml', 'blue-green'],
    ['rollgate-rolling.yml', 'rolling'],
  ])('%s wraps rollgate-release.yml as %s, passing every input, secret and output through', (name, strategy) => {
    const workflow = load(`.github/workflows/${name}`);
    const call = workflow.on.workflow_call;
    const inputs = Object.keys(call.inputs).sort();
    expect(inputs).toEqual(['approval-environment', 'config', 'environment', 'ref', 'revert', 'runs-on']);
    expect(call.inputs.environment).toMatchObject({ type: 'string', required: true });
    expect(call.inputs.revert).toMatchObject({ type: 'boolean', default: false });
    expect(Object.keys(call.secrets).sort()).toEqual(['ROLLGATE_ENV', 'ROLLGATE_TOKEN']);
    expect(Object.keys(workflow.jobs)).toEqual(['release']);
    const job = workflow.jobs.release;
    expect(job.uses).toBe(`${ROLLGATE_REPOSITORY}/.github/workflows/rollgate-release.yml@v1`);
    expect(job.with).toEqual({ strategy, ...Object.fromEntries(inputs.map((n) => [n, `\${{ inputs.${n} }}`])) });
    expect(job.secrets).toEqual({ ROLLGATE_TOKEN: '${{ secrets.ROLLGATE_TOKEN }}', ROLLGATE_ENV: '${{ secrets.ROLLGATE_ENV }}' });
    const releaseOutputs = Object.keys(release.on.workflow_call.outputs);
    expect(Object.keys(call.outputs)).toEqual(releaseOutputs);
    for (const output of releaseOutputs) expect(call.outputs[output].value).toBe(`\${{ jobs.release.outputs.${output} }}`);
    // The pipeline holds the environment's group; the same group here would make the call wait for itself.
    expect(workflow.concurrency).toBeUndefined();
  });

  it('rollgate-release.yml: validate → start → (approve-k → resume-k) for k = 1…4, rollback after any of them', () => {
    const rounds = Object.keys(release.jobs).filter((id) => /^approve-\d+$/.test(id)).length;
    expect(rounds).toBe(4);
    expect(needs(release, 'start')).toEqual(['validate']);
    expect(rollgateStep(release.jobs.start).with.command).toBe("${{ inputs.strategy == 'blue-green' && 'advance' || 'run' }}");
    // The spec is refused up front when it waits more often than there are rounds (blue-green keeps one for the switch).
    expect(rollgateStep(release.jobs.validate).with).toMatchObject({
      command: 'status',
      'max-approvals': `\${{ inputs.strategy == 'blue-green' && '${rounds - 1}' || '${rounds}' }}`,
    });
    const segments = ['start'];
    for (let k = 1; k <= rounds; k++) {
      const previous = segments.at(-1)!;
      const approve = release.jobs[`approve-${k}`];
      expect(needs(release, `approve-${k}`)).toEqual([previous]);
      expect(approve.if).toBe(`\${{ needs.${previous}.outputs.outcome == 'paused' }}`);
      expect(approve.environment).toEqual({ name: '${{ inputs.approval-environment || inputs.environment }}', deployment: false });
      expect(approve.permissions).toEqual({});
      expect(needs(release, `resume-${k}`)).toEqual(['validate', `approve-${k}`]);
      expect(rollgateStep(release.jobs[`resume-${k}`]).with.command).toBe('promote');
      segments.push(`resume-${k}`);
    }
    // Every later job checks out the commit validate resolved, not a branch that may have moved.
    for (const job of segments) expect(release.jobs[job].steps[0].with.ref).toBe('${{ needs.validate.outputs.commit }}');
    // The outcome of the last segment that ran wins.
    const outcome = release.on.workflow_call.outputs.outcome.value;
    expect(outcome).toBe(`\${{ ${['rollback', ...[...segments].reverse()].map((j) => `jobs.${j}.outputs.outcome`).join(' || ')} }}`);

    const rollback = release.jobs.rollback;
    expect(needs(release, 'rollback').sort()).toEqual(
      Object.keys(release.jobs)
        .filter((j) => j !== 'rollback')
        .sort(),
    );
    expect(rollback.if).toMatch(
      /^\$\{\{ always\(\) && .*contains\(needs\.\*\.result, 'failure'\).*contains\(needs\.\*\.result, 'cancelled'\)/,
    );
    for (const job of segments) expect(rollback.with.abort).toContain(`needs.${job}.outputs.outcome != 'rolled-back'`);
    expect(rollback.uses).toBe(`${ROLLGATE_REPOSITORY}/.github/workflows/rollgate-rollback.yml@v1`);
    expect(rollback.with.revert).toBe('${{ inputs.revert }}');
    expect(release.concurrency).toEqual({ group: 'rollgate-${{ inputs.environment }}', 'cancel-in-progress': false });
  });

  it('credentials go to the action as its input in every job that builds providers; no script handles them', () => {
    const providerSteps = files
      .filter(({ file }) => file.startsWith('.github/workflows/'))
      .flatMap(({ file, text }) =>
        Object.entries((parse(text) as Node).jobs ?? {}).flatMap(([id, job]) =>
          ((job as Node).steps ?? [])
            .filter((s: Node) => typeof s.uses === 'string' && s.uses.startsWith(`${ROLLGATE_REPOSITORY}@`))
            .filter((s: Node) => !['status', 'revert', 'lint-migrations'].includes(s.with?.command))
            .map((s: Node) => ({ where: `${file} jobs.${id}`, credentials: s.with?.credentials })),
        ),
      );
    expect(providerSteps.length).toBeGreaterThanOrEqual(4);
    for (const step of providerSteps) expect(step, step.where).toMatchObject({ credentials: '${{ secrets.ROLLGATE_ENV }}' });
    for (const { file, text } of files) {
      expect(text, file).not.toMatch(/GITHUB_ENV|add-mask/);
    }
  });

  it('rollback: the revert is the action (command: revert), and only its job can write contents, only when revert is true', () => {
    const workflow = load('.github/workflows/rollgate-rollback.yml');
    expect(workflow.jobs.abort.permissions.contents).toBe('read');
    expect(workflow.jobs.revert.permissions).toEqual({ contents: 'write', 'pull-requests': 'write' });
    expect(workflow.jobs.revert.if).toContain('inputs.revert');
    expect(rollgateStep(workflow.jobs.abort).with.command).toBe('abort');
    expect(rollgateStep(workflow.jobs.revert).with).toMatchObject({ command: 'revert', commit: '${{ inputs.commit || github.sha }}' });
    expect(workflow.jobs.revert.steps.filter((s: Node) => s.run)).toEqual([]);
  });

  it('controls: advance and promote wait for the approval job, abort and status do not', () => {
    const workflow = load('.github/workflows/rollgate-controls.yml');
    expect(workflow.jobs.approve.if).toBe("${{ inputs.command == 'advance' || inputs.command == 'promote' }}");
    expect(workflow.jobs.control.needs).toBe('approve');
    expect(workflow.jobs.control.if).toContain("needs.approve.result != 'failure'");
    expect(workflow.jobs.status.permissions).toEqual({ contents: 'read', deployments: 'read' });
    // Not the rollout's group: an abort must not queue behind the run it stops.
    expect(workflow.concurrency.group).toBe('rollgate-controls-${{ inputs.environment }}');
  });

  it.each([
    ['examples/release-canary.yml', 'push', 'rollgate-canary.yml'],
    ['examples/release-blue-green.yml', 'release', 'rollgate-blue-green.yml'],
    ['examples/rollout-controls.yml', 'workflow_dispatch', 'rollgate-controls.yml'],
  ])('%s: on %s, calls %s', (file, trigger, callee) => {
    const workflow = load(file);
    expect(Object.keys(workflow.on)).toEqual([trigger]);
    const calls = Object.values(workflow.jobs as Node).map((job) => (job as Node).uses);
    expect(calls).toContain(`${ROLLGATE_REPOSITORY}/.github/workflows/${callee}@v1`);
  });
});

describe('the checker rejects what it must (negative fixtures)', () => {
  const reusable = `name: fixture
on:
  workflow_call:
    inputs:
      environment:
        description: Where
        type: string
        required: true
permissions: {}
concurrency:
  group: rollgate-\${{ inputs.environment }}
  cancel-in-progress: false
jobs:
  deploy:
    runs-on: ubuntu-latest
    permissions:
      contents: read
      deployments: write
    steps:
      - uses: actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8 # v5.0.0
      - id: rollgate
        uses: rollgate/rollgate@v1
        with:
          command: run
          environment: \${{ inputs.environment }}
      - env:
          OUTCOME: \${{ steps.rollgate.outputs.outcome }}
        run: echo "$OUTCOME \${{ github.run_id }}"
  approve:
    needs: deploy
    runs-on: ubuntu-latest
    permissions: {}
    environment:
      name: \${{ inputs.environment }}
      deployment: false
    steps:
      - run: echo approved
`;
  const caller = `on:
  push:
    branches: [main]
permissions: {}
jobs:
  release:
    permissions:
      contents: write
      deployments: write
      pull-requests: write
    uses: rollgate/rollgate/.github/workflows/rollgate-canary.yml@v1
    with:
      environment: production
      revert: true
    secrets:
      ROLLGATE_ENV: \${{ secrets.ROLLGATE_ENV }}
`;
  const messages = (text: string) => checkWorkflow(ROOT, 'fixture.yml', text).map((f) => `${f.where}: ${f.message}`);
  const mutate = (base: string, from: string, to: string) => {
    expect(base, `fixture does not contain ${JSON.stringify(from)}`).toContain(from);
    return base.replace(from, to);
  };

  it('passes the good fixtures', () => {
    expect(messages(reusable)).toEqual([]);
    expect(messages(caller)).toEqual([]);
  });

  it.each([
    ['an untyped input', 'type: string\n        required: true', 'required: true', 'inputs.environment: needs a type'],
    ['an input with no description', '        description: Where\n', '', 'inputs.environment: needs a description'],
    ['a required input with a default', 'required: true', 'required: true\n        default: prod', 'is required and has a default'],
    [
      'pull_request_target',
      'on:\n  workflow_call:',
      'on:\n  pull_request_target:\n  workflow_call:',
      'on.pull_request_target: pull_request_target runs',
    ],
    [
      'a job without permissions',
      '    permissions:\n      contents: read\n      deployments: write\n',
      '',
      'jobs.deploy: has no permissions',
    ],
    [
      'write-all',
      '    permissions:\n      contents: read\n      deployments: write\n',
      '    permissions: write-all\n',
      'grants scopes wholesale',
    ],
    ['an unknown permission level', 'deployments: write', 'deployments: admin', '"admin" is not read, write or none'],
    [
      'a deploying job outside any concurrency group',
      'concurrency:\n  group: rollgate-${{ inputs.environment }}\n  cancel-in-progress: false\n',
      '',
      'jobs.deploy: moves traffic outside any concurrency group',
    ],
    ['a group that cancels deploys', 'cancel-in-progress: false', 'cancel-in-progress: true', 'must not cancel a deploy in progress'],
    ['a group not per environment', 'group: rollgate-${{ inputs.environment }}', 'group: rollgate', 'is not per environment'],
    [
      'a job in its own workflow group',
      '    runs-on: ubuntu-latest\n    permissions:\n      contents: read',
      '    runs-on: ubuntu-latest\n    concurrency: rollgate-${{ inputs.environment }}\n    permissions:\n      contents: read',
      'deadlock',
    ],
    [
      'an approval job without environment',
      '    environment:\n      name: ${{ inputs.environment }}\n      deployment: false\n',
      '',
      'jobs.approve: an approval job names the environment',
    ],
    ['an environment that creates deployments', '      deployment: false\n', '', 'needs deployment: false'],
    [
      'an environment as a bare name',
      '    environment:\n      name: ${{ inputs.environment }}\n      deployment: false\n',
      '    environment: production\n',
      'name the environment as { name: …, deployment: false }',
    ],
    [
      'an approval job holding a token',
      '    permissions: {}\n    environment',
      '    permissions:\n      contents: read\n    environment',
      'an approval job needs no token',
    ],
    [
      'a PR title in a script',
      'run: echo approved',
      'run: echo "${{ github.event.pull_request.title }}"',
      '${{ github.event.pull_request.title }} is pasted into a script',
    ],
    [
      'a branch name in a script',
      'run: echo approved',
      'run: git push origin "${{ github.head_ref }}"',
      '${{ github.head_ref }} is pasted',
    ],
    [
      'a commit message in a script',
      'run: echo approved',
      'run: echo ${{ github.event.head_commit.message }}',
      'github.event.head_commit.message }} is pasted',
    ],
    ['an input in a script', 'run: echo approved', 'run: deploy --to ${{ inputs.environment }}', '${{ inputs.environment }} is pasted'],
    [
      'an action pinned by tag',
      '08c6903cd8c0fde910a37f88322edcfb5dd907a8 # v5.0.0',
      'v5',
      'actions/checkout@v5 is not pinned by a full commit SHA',
    ],
    ['a SHA without its release', ' # v5.0.0', '', 'pinned by SHA without a "# vX.Y.Z" comment'],
    [
      'a docker image by tag',
      '      - uses: actions/checkout',
      '      - uses: docker://alpine:3\n      - uses: actions/checkout',
      'is not pinned by digest',
    ],
    [
      'Rollgate at a path with no action',
      'uses: rollgate/rollgate@v1',
      'uses: rollgate/rollgate/actions/deploy@v1',
      'no action.yml at actions/deploy',
    ],
    [
      'a local action that does not exist',
      'uses: rollgate/rollgate@v1',
      'uses: ./.github/actions/rollgate',
      'no action.yml at ./.github/actions/rollgate',
    ],
    [
      'an input the action does not have, by path',
      'uses: rollgate/rollgate@v1\n        with:\n          command: run',
      'uses: ./\n        with:\n          command: run\n          strategy: canary',
      'the action has no input "strategy"',
    ],
    [
      'the action as ./ in a reusable workflow',
      'uses: rollgate/rollgate@v1',
      'uses: ./',
      "in a reusable workflow ./ is the caller's repository",
    ],
    ['an input the action does not have', 'command: run', 'command: run\n          conifg: x', 'the action has no input "conifg"'],
    ['a command the action does not know', 'command: run', 'command: deploy', '"deploy" is not a command'],
    [
      'an output the action does not have',
      'steps.rollgate.outputs.outcome',
      'steps.rollgate.outputs.result',
      'the action has no output "result"',
    ],
  ])('%s', (_name, from, to, expected) => {
    const found = messages(mutate(reusable, from, to));
    expect(found).toEqual(expect.arrayContaining([expect.stringContaining(expected)]));
  });

  it.each([
    ['a missing required input', '      environment: production\n', '', 'requires the input "environment"'],
    ['an input the workflow does not have', 'revert: true', 'revert: true\n      strategy: canary', 'has no input "strategy"'],
    ['an input of the wrong type', 'revert: true', 'revert: "yes"', '"yes" is not a boolean'],
    [
      'secrets: inherit',
      '    secrets:\n      ROLLGATE_ENV: ${{ secrets.ROLLGATE_ENV }}\n',
      '    secrets: inherit\n',
      'not secrets: inherit',
    ],
    ['a secret the workflow does not declare', 'ROLLGATE_ENV: ${{', 'PROM_TOKEN: ${{', 'declares no secret "PROM_TOKEN"'],
    ['a permission the called jobs need', 'contents: write', 'contents: read', 'asks contents: write, which this job does not grant'],
    [
      'a workflow that does not exist',
      'rollgate-canary.yml@v1',
      'rollgate-canaryy.yml@v1',
      'no workflow at .github/workflows/rollgate-canaryy.yml',
    ],
    [
      'a third-party workflow by tag',
      'rollgate/rollgate/.github/workflows/rollgate-canary.yml@v1',
      'someone/deploys/.github/workflows/canary.yml@main',
      'is not pinned by a full commit SHA',
    ],
    [
      'an output the called workflow does not have',
      '      ROLLGATE_ENV: ${{ secrets.ROLLGATE_ENV }}\n',
      '      ROLLGATE_ENV: ${{ secrets.ROLLGATE_ENV }}\n  announce:\n    needs: release\n    runs-on: ubuntu-latest\n    permissions: {}\n    steps:\n      - env:\n          VERDICT: ${{ needs.release.outputs.verdict }}\n        run: echo "$VERDICT"\n',
      'needs.release.outputs.verdict: .github/workflows/rollgate-canary.yml has no output "verdict"',
    ],
    [
      'a call sharing the callee group',
      'permissions: {}\njobs:',
      'permissions: {}\nconcurrency: rollgate-${{ inputs.environment }}\njobs:',
      'the call would deadlock',
    ],
  ])('a caller with %s', (_name, from, to, expected) => {
    const found = messages(mutate(caller, from, to));
    expect(found).toEqual(expect.arrayContaining([expect.stringContaining(expected)]));
  });

  it('lets the vetted run-context values into scripts', () => {
    expect(contextReferences('echo ${{ github.run_id }} ${{ runner.temp }} and ${{ needs.a.outputs.b || github.sha }}')).toEqual([
      'github.run_id',
      'runner.temp',
      'needs.a.outputs.b',
      'github.sha',
    ]);
    expect(messages(mutate(reusable, 'run: echo approved', 'run: echo "${{ github.run_id }}/${{ runner.temp }}"'))).toEqual([]);
  });

  it('reads uses: references', () => {
    expect(parseUses('rollgate/rollgate@v1')).toEqual({ kind: 'remote', repository: 'rollgate/rollgate', path: '', ref: 'v1' });
    expect(parseUses('rollgate/rollgate/.github/workflows/rollgate-canary.yml@v1')).toEqual({
      kind: 'remote',
      repository: 'rollgate/rollgate',
      path: '.github/workflows/rollgate-canary.yml',
      ref: 'v1',
    });
    expect(parseUses('./')).toEqual({ kind: 'local', path: '' });
    expect(parseUses('docker://alpine@sha256:abc')).toEqual({ kind: 'docker', image: 'alpine@sha256:abc' });
    expect(parseUses('not a reference')).toBeUndefined();
  });
});
