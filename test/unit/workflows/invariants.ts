// The rules Rollgate's workflows (reusable ones and starters) must keep, beyond what actionlint knows:
// actionlint cannot see action.yml of a remote action nor the files a remote reusable workflow call
// points at, and it has no notion of "deploying" or "approval" jobs.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

/** The repository users name in `uses:` to reach Rollgate's action and reusable workflows. */
export const ROLLGATE_REPOSITORY = 'rollgate/rollgate';

export interface Finding {
  file: string;
  where: string;
  message: string;
}

type Node = Record<string, unknown>;
type Level = 'none' | 'read' | 'write';

const ACTION_COMMANDS = ['run', 'advance', 'promote', 'abort', 'status', 'revert', 'lint-migrations'];
/** Commands that read and report but never move traffic. */
const READ_ONLY_COMMANDS = ['status', 'revert', 'lint-migrations'];
const INPUT_TYPES = ['string', 'boolean', 'number'];
const DISPATCH_INPUT_TYPES = ['string', 'boolean', 'number', 'choice', 'environment'];
const LEVELS: Level[] = ['none', 'read', 'write'];
const SCOPES = [
  'actions',
  'attestations',
  'checks',
  'contents',
  'deployments',
  'discussions',
  'id-token',
  'issues',
  'models',
  'packages',
  'pages',
  'pull-requests',
  'repository-projects',
  'security-events',
  'statuses',
];
// Expressions a run: script may embed directly: none of them can carry text an outsider wrote. An
// allowlist, not a list of known-bad fields, so a field GitHub adds tomorrow is refused until vetted.
const SAFE_IN_SCRIPTS =
  /^(runner\.[\w-]+|github\.(run_id|run_number|run_attempt|repository|repository_id|server_url|api_url|sha|workspace|event_name))$/;
const CONTEXT_REFERENCE = /\b(github|inputs|env|steps|needs|matrix|secrets|vars|runner|job|jobs|strategy)((?:\.[\w-]+|\[[^\]]*\]|\.\*)+)/g;
const FULL_SHA = /^[0-9a-f]{40}$/;

const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null && !Array.isArray(value);
const nodeOf = (value: unknown): Node => (isNode(value) ? value : {});
const isExpression = (value: unknown) => typeof value === 'string' && value.includes('${{');

/** A parsed `uses:` value. */
export type UsesRef =
  { kind: 'local'; path: string } | { kind: 'docker'; image: string } | { kind: 'remote'; repository: string; path: string; ref: string };

export function parseUses(uses: string): UsesRef | undefined {
  if (uses.startsWith('./')) return { kind: 'local', path: uses.slice(2) };
  if (uses.startsWith('docker://')) return { kind: 'docker', image: uses.slice('docker://'.length) };
  const match = /^([\w.-]+)\/([\w.-]+)((?:\/[^@]+)?)@(.+)$/.exec(uses);
  if (!match) return undefined;
  return { kind: 'remote', repository: `${match[1]}/${match[2]}`, path: match[3]!.replace(/^\//, ''), ref: match[4]! };
}

const isRollgate = (ref: UsesRef | undefined): boolean => ref?.kind === 'remote' && ref.repository.toLowerCase() === ROLLGATE_REPOSITORY;

/** The folder of an action of this repository that a `uses:` names (./path or rollgate/rollgate[/path]@ref). */
function ownActionPath(ref: UsesRef | undefined): string | undefined {
  if (ref?.kind === 'local' || (ref?.kind === 'remote' && isRollgate(ref))) return ref.path.replace(/\/$/, '');
  return undefined;
}

/** Rollgate's action: the one at the repository root. */
const isRollgateAction = (uses: unknown) => typeof uses === 'string' && ownActionPath(parseUses(uses)) === '';

interface ActionMetadata {
  inputs: Record<string, { required?: boolean; default?: unknown }>;
  outputs: Record<string, unknown>;
}

/** action.yml (or action.yaml) of the Rollgate action at `dir` inside the repository, if there is one. */
export function readAction(root: string, dir: string): ActionMetadata | undefined {
  for (const name of ['action.yml', 'action.yaml']) {
    const file = path.join(root, dir, name);
    if (existsSync(file)) {
      const action = nodeOf(parse(readFileSync(file, 'utf8')));
      return { inputs: nodeOf(action.inputs) as ActionMetadata['inputs'], outputs: nodeOf(action.outputs) };
    }
  }
  return undefined;
}

function readWorkflow(root: string, file: string): Node | undefined {
  const full = path.join(root, file);
  return existsSync(full) ? nodeOf(parse(readFileSync(full, 'utf8'))) : undefined;
}

function triggers(workflow: Node): Node {
  const on = workflow.on;
  if (typeof on === 'string') return { [on]: {} };
  if (Array.isArray(on)) return Object.fromEntries(on.map((name) => [String(name), {}]));
  return nodeOf(on);
}

function permissionsOf(value: unknown): Map<string, Level> | undefined {
  if (!isNode(value)) return undefined;
  return new Map(Object.entries(value).map(([scope, level]) => [scope, level as Level]));
}

/** The most each scope is asked for by any job of a workflow: what its caller must grant. */
export function requiredPermissions(workflow: Node): Map<string, Level> {
  const needed = new Map<string, Level>();
  for (const job of Object.values(nodeOf(workflow.jobs))) {
    for (const [scope, level] of permissionsOf(nodeOf(job).permissions) ?? []) {
      if (LEVELS.indexOf(level) > LEVELS.indexOf(needed.get(scope) ?? 'none')) needed.set(scope, level);
    }
  }
  return needed;
}

function concurrencyGroup(value: unknown): { group?: string; cancel?: unknown } | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return { group: value };
  const node = nodeOf(value);
  return { group: typeof node.group === 'string' ? node.group : undefined, cancel: node['cancel-in-progress'] };
}

/** Every `${{ … }}` context reference in a string, e.g. "github.event.pull_request.title". */
export function contextReferences(text: string): string[] {
  const found: string[] = [];
  for (const expression of text.matchAll(/\$\{\{([\s\S]*?)\}\}/g)) {
    for (const reference of expression[1]!.matchAll(CONTEXT_REFERENCE)) found.push(reference[1]! + reference[2]!);
  }
  return found;
}

/** Checks one workflow file; `file` is its path relative to `root`, the Rollgate repository. */
export function checkWorkflow(root: string, file: string, text: string): Finding[] {
  const findings: Finding[] = [];
  const report = (where: string, message: string) => findings.push({ file, where, message });
  const workflow = nodeOf(parse(text));
  const on = triggers(workflow);
  const call = on.workflow_call === undefined ? undefined : nodeOf(on.workflow_call);
  const workflowConcurrency = concurrencyGroup(workflow.concurrency);

  if ('pull_request_target' in on) {
    report('on.pull_request_target', 'pull_request_target runs with a write token on code from forks; use pull_request');
  }
  if (call) checkCallInterface(call, report);
  for (const [name, input] of Object.entries(nodeOf(nodeOf(on.workflow_dispatch).inputs))) {
    const type = nodeOf(input).type;
    if (!DISPATCH_INPUT_TYPES.includes(String(type)))
      report(`on.workflow_dispatch.inputs.${name}`, `needs a type (${DISPATCH_INPUT_TYPES.join(', ')})`);
  }
  if (workflow.permissions !== undefined) checkPermissionsValue(workflow.permissions, 'permissions', report);
  checkPinnedComments(text, report);

  for (const [id, jobValue] of Object.entries(nodeOf(workflow.jobs))) {
    const job = nodeOf(jobValue);
    const where = `jobs.${id}`;
    if (job.permissions === undefined) report(where, 'has no permissions: (each job states the least it needs)');
    else checkPermissionsValue(job.permissions, `${where}.permissions`, report);

    const jobConcurrency = concurrencyGroup(job.concurrency);
    if (jobConcurrency?.group && jobConcurrency.group === workflowConcurrency?.group) {
      report(`${where}.concurrency`, 'the same group as the workflow: the job would wait for its own run (deadlock)');
    }

    if (job.environment !== undefined) {
      const environment = nodeOf(job.environment);
      if (typeof job.environment === 'string' || environment.name === undefined) {
        report(`${where}.environment`, 'name the environment as { name: …, deployment: false }');
      }
      if (environment.deployment !== false) {
        report(`${where}.environment`, 'needs deployment: false, or GitHub records a deployment beside the one Rollgate keeps');
      }
    }

    const steps = Array.isArray(job.steps) ? job.steps.map(nodeOf) : [];
    const rollgateSteps = steps.filter((step) => isRollgateAction(step.uses));

    if (id.startsWith('approve')) {
      if (job.environment === undefined) report(where, 'an approval job names the environment whose reviewers approve');
      if (rollgateSteps.length > 0) report(where, 'an approval job must not move traffic; the job after it does');
      const granted = permissionsOf(job.permissions);
      if (granted && [...granted.values()].some((level) => level !== 'none')) {
        report(`${where}.permissions`, 'an approval job needs no token: permissions: {}');
      }
    }

    const deploying = rollgateSteps.some((step) => !READ_ONLY_COMMANDS.includes(String(nodeOf(step.with).command)));
    if (deploying) {
      const concurrency = jobConcurrency ?? workflowConcurrency;
      if (!concurrency?.group) report(where, 'moves traffic outside any concurrency group');
      else {
        if (!/inputs\.environment\b/.test(concurrency.group))
          report(where, `concurrency group "${concurrency.group}" is not per environment (use inputs.environment)`);
        if (concurrency.cancel !== undefined && concurrency.cancel !== false)
          report(where, 'concurrency must not cancel a deploy in progress (cancel-in-progress: false)');
      }
    }

    const stepIds = new Map(steps.map((step) => [String(step.id), step]));
    steps.forEach((step, index) => {
      checkStep(root, step, `${where}.steps[${index}]`, report);
      if (call && typeof step.uses === 'string' && parseUses(step.uses)?.kind === 'local') {
        report(
          `${where}.steps[${index}]`,
          `in a reusable workflow ${step.uses} is the caller's repository, not Rollgate's: use ${ROLLGATE_REPOSITORY}@<ref>`,
        );
      }
    });
    checkStepOutputReferences(root, job, stepIds, where, report);

    if (typeof job.uses === 'string') checkWorkflowCall(root, job, where, workflowConcurrency?.group, report);
  }
  checkCalledWorkflowOutputs(root, workflow, text, report);
  return findings;
}

/** The checks a workflow that only shows how to call the pack must pass (README and docs snippets):
 * each call of a Rollgate workflow (inputs, secrets, the permissions its jobs ask, its outputs) and
 * no untrusted expression pasted into a script. */
export function checkCalls(root: string, file: string, text: string): Finding[] {
  const findings: Finding[] = [];
  const report: Report = (where, message) => findings.push({ file, where, message });
  const workflow = nodeOf(parse(text));
  const group = concurrencyGroup(workflow.concurrency)?.group;
  for (const [id, jobValue] of Object.entries(nodeOf(workflow.jobs))) {
    const job = nodeOf(jobValue);
    if (typeof job.uses === 'string') checkWorkflowCall(root, job, `jobs.${id}`, group, report);
    const steps = Array.isArray(job.steps) ? job.steps.map(nodeOf) : [];
    steps.forEach((step, index) => {
      if (typeof step.run === 'string') checkScript(step.run, `jobs.${id}.steps[${index}].run`, report);
    });
  }
  checkCalledWorkflowOutputs(root, workflow, text, report);
  return findings;
}

/** jobs.<id>.outputs.<name> / needs.<id>.outputs.<name> of a job calling a Rollgate workflow must be
 * an output that workflow declares (actionlint types a remote call's outputs as "any object"). */
function checkCalledWorkflowOutputs(root: string, workflow: Node, text: string, report: Report) {
  const jobs = nodeOf(workflow.jobs);
  for (const match of text.matchAll(/\b(?:jobs|needs)\.([\w-]+)\.outputs\.([\w-]+)/g)) {
    const [reference, id, name] = match as unknown as [string, string, string];
    const uses = nodeOf(jobs[id]).uses;
    const ref = typeof uses === 'string' ? parseUses(uses) : undefined;
    if (ref?.kind !== 'remote' || !isRollgate(ref)) continue;
    const outputs = nodeOf(nodeOf(triggers(readWorkflow(root, ref.path) ?? {}).workflow_call).outputs);
    if (!(name in outputs))
      report(`jobs.${id}`, `${reference}: ${ref.path} has no output "${name}" (outputs: ${Object.keys(outputs).join(', ')})`);
  }
}

type Report = (where: string, message: string) => void;

function checkCallInterface(call: Node, report: Report) {
  for (const [name, inputValue] of Object.entries(nodeOf(call.inputs))) {
    const input = nodeOf(inputValue);
    const where = `on.workflow_call.inputs.${name}`;
    if (!INPUT_TYPES.includes(String(input.type))) report(where, `needs a type (${INPUT_TYPES.join(', ')})`);
    if (!input.description) report(where, 'needs a description');
    if (input.required === true && input.default !== undefined) report(where, 'is required and has a default: pick one');
    if (input.default !== undefined && INPUT_TYPES.includes(String(input.type)) && typeof input.default !== input.type) {
      report(where, `default ${JSON.stringify(input.default)} is not a ${String(input.type)}`);
    }
  }
  for (const [name, secret] of Object.entries(nodeOf(call.secrets))) {
    if (!nodeOf(secret).description) report(`on.workflow_call.secrets.${name}`, 'needs a description');
  }
}

function checkPermissionsValue(value: unknown, where: string, report: Report) {
  const granted = permissionsOf(value);
  if (!granted) {
    report(where, `${JSON.stringify(value)} grants scopes wholesale; list each scope the job needs`);
    return;
  }
  for (const [scope, level] of granted) {
    if (!SCOPES.includes(scope)) report(where, `unknown scope "${scope}"`);
    if (!LEVELS.includes(level)) report(where, `${scope}: "${String(level)}" is not read, write or none`);
  }
}

/** A third-party action pinned by SHA says which release that SHA is, for the reader and for updates. */
function checkPinnedComments(text: string, report: Report) {
  text.split('\n').forEach((line, index) => {
    const match = /^\s*(?:-\s*)?uses:\s*([^\s#]+)\s*(#.*)?$/.exec(line);
    const ref = match ? parseUses(match[1]!) : undefined;
    if (ref?.kind === 'remote' && FULL_SHA.test(ref.ref) && !/#\s*v\d/.test(match![2] ?? '')) {
      report(`line ${index + 1}`, `${match![1]} is pinned by SHA without a "# vX.Y.Z" comment naming the release`);
    }
  });
}

function checkStep(root: string, step: Node, where: string, report: Report) {
  if (typeof step.run === 'string') checkScript(step.run, `${where}.run`, report);
  if (typeof step.uses !== 'string') return;
  const ref = parseUses(step.uses);
  if (!ref) {
    report(where, `cannot read uses: ${step.uses}`);
    return;
  }
  if (ref.kind === 'remote' && /^actions\/github-script$/i.test(ref.repository) && typeof nodeOf(step.with).script === 'string') {
    checkScript(String(nodeOf(step.with).script), `${where}.with.script`, report);
  }
  if (ref.kind === 'docker') {
    if (!/@sha256:[0-9a-f]{64}$/.test(ref.image)) report(where, `${step.uses} is not pinned by digest (@sha256:…)`);
    return;
  }
  if (ref.kind === 'remote' && !isRollgate(ref)) {
    if (!FULL_SHA.test(ref.ref)) report(where, `${step.uses} is not pinned by a full commit SHA`);
    return;
  }
  // An action of this repository, by path or as rollgate/rollgate: it must exist, and be called as it declares.
  const action = readAction(root, ref.path);
  if (!action) {
    report(where, `${step.uses}: no action.yml at ${ref.kind === 'local' ? `./${ref.path}` : ref.path || 'the repository root'}`);
    return;
  }
  const given = nodeOf(step.with);
  for (const name of Object.keys(given)) {
    if (!(name in action.inputs))
      report(`${where}.with.${name}`, `the action has no input "${name}" (inputs: ${Object.keys(action.inputs).join(', ')})`);
  }
  for (const [name, input] of Object.entries(action.inputs)) {
    if (nodeOf(input).required === true && nodeOf(input).default === undefined && !(name in given))
      report(`${where}.with`, `the action's input "${name}" is required`);
  }
  const command = given.command;
  if (command !== undefined && !isExpression(command) && !ACTION_COMMANDS.includes(String(command))) {
    report(`${where}.with.command`, `"${String(command)}" is not a command (${ACTION_COMMANDS.join(', ')})`);
  }
}

function checkScript(script: string, where: string, report: Report) {
  for (const reference of contextReferences(script)) {
    if (!SAFE_IN_SCRIPTS.test(reference))
      report(where, `\${{ ${reference} }} is pasted into a script; pass it through env: and quote "$VAR"`);
  }
}

/** steps.<id>.outputs.<name> of a step running an action of this repository must be an output it declares. */
function checkStepOutputReferences(root: string, job: Node, stepIds: Map<string, Node>, where: string, report: Report) {
  const text = JSON.stringify(job);
  for (const match of text.matchAll(/steps\.([\w-]+)\.outputs\.([\w-]+)/g)) {
    const step = stepIds.get(match[1]!);
    const dir = ownActionPath(typeof step?.uses === 'string' ? parseUses(step.uses) : undefined);
    if (dir === undefined) continue;
    const action = readAction(root, dir);
    if (action && !(match[2]! in action.outputs)) {
      report(
        where,
        `steps.${match[1]}.outputs.${match[2]}: the action has no output "${match[2]}" (outputs: ${Object.keys(action.outputs).join(', ')})`,
      );
    }
  }
}

function checkWorkflowCall(root: string, job: Node, where: string, callerGroup: string | undefined, report: Report) {
  const uses = String(job.uses);
  const ref = parseUses(uses);
  if (ref?.kind === 'remote' && !isRollgate(ref) && !FULL_SHA.test(ref.ref)) {
    report(where, `${uses} is not pinned by a full commit SHA`);
    return;
  }
  if (ref?.kind === 'local') {
    // In a reusable workflow "./" is the caller's repository, not Rollgate's: it only works for our own CI.
    if (!existsSync(path.join(root, ref.path))) report(where, `no workflow at ./${ref.path}`);
    return;
  }
  if (ref?.kind !== 'remote' || !isRollgate(ref)) return;
  const callee = readWorkflow(root, ref.path);
  if (!callee) {
    report(where, `${uses}: no workflow at ${ref.path}`);
    return;
  }
  const calleeCall = nodeOf(triggers(callee).workflow_call);
  const inputs = nodeOf(calleeCall.inputs);
  const given = nodeOf(job.with);
  for (const [name, value] of Object.entries(given)) {
    const input = inputs[name];
    if (input === undefined)
      report(`${where}.with.${name}`, `${ref.path} has no input "${name}" (inputs: ${Object.keys(inputs).join(', ')})`);
    else if (!isExpression(value) && typeof value !== nodeOf(input).type)
      report(`${where}.with.${name}`, `${JSON.stringify(value)} is not a ${String(nodeOf(input).type)}`);
  }
  for (const [name, input] of Object.entries(inputs)) {
    if (nodeOf(input).required === true && !(name in given)) report(`${where}.with`, `${ref.path} requires the input "${name}"`);
  }
  if (job.secrets === 'inherit') report(`${where}.secrets`, 'pass the secrets the workflow declares by name, not secrets: inherit');
  const secrets = nodeOf(calleeCall.secrets);
  for (const name of Object.keys(nodeOf(job.secrets))) {
    if (!(name in secrets))
      report(`${where}.secrets.${name}`, `${ref.path} declares no secret "${name}" (secrets: ${Object.keys(secrets).join(', ')})`);
  }
  // GitHub refuses to start a run whose called jobs ask more than the calling job grants.
  const granted = permissionsOf(job.permissions) ?? new Map<string, Level>();
  for (const [scope, level] of requiredPermissions(callee)) {
    if (LEVELS.indexOf(granted.get(scope) ?? 'none') < LEVELS.indexOf(level)) {
      report(`${where}.permissions`, `${ref.path} asks ${scope}: ${level}, which this job does not grant`);
    }
  }
  // The callee's group, or the group of a workflow it calls in turn (the strategy workflows wrap the pipeline).
  if (callerGroup && calledGroups(root, callee).includes(callerGroup)) {
    report(where, `${ref.path} uses this workflow's concurrency group "${callerGroup}": the call would deadlock`);
  }
}

/** The concurrency groups a workflow and the Rollgate workflows it calls hold (not the rollback's own). */
function calledGroups(root: string, workflow: Node, depth = 0): string[] {
  const own = concurrencyGroup(workflow.concurrency)?.group;
  const nested = Object.values(nodeOf(workflow.jobs)).flatMap((job) => {
    const uses = nodeOf(job).uses;
    const ref = typeof uses === 'string' ? parseUses(uses) : undefined;
    const called = ref?.kind === 'remote' && isRollgate(ref) && depth < 4 ? readWorkflow(root, ref.path) : undefined;
    return called ? calledGroups(root, called, depth + 1) : [];
  });
  return [...(own ? [own] : []), ...nested];
}
