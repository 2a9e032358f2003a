// The action's main step: reads the inputs and the spec (nothing moves before both are valid),
// builds the ports (router and gates from the spec; GitHub Deployment, sticky comment, job log),
// and runs the driver. `status` only reads the deployment.
import { logText, markdownLink, markdownText } from '../report/untrusted.js';
import { redact } from '../util/secrets.js';
import * as core from '@actions/core';
import { context } from '@actions/github';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drive, type DriveOptions, type DriveResult } from '../driver/driver.js';
import { buildProviders } from '../driver/providers.js';
import { systemClock } from '../driver/clock.js';
import { FileStateStore } from '../driver/state-file.js';
import { compilePlan } from '../config/compile.js';
import { stageLabel, stageNumber, type Plan } from '../engine/plan.js';
import { bindingOf } from '../driver/record.js';
import { RolloutLockedError } from '../driver/state-lock.js';
import type { RolloutRecord, StateStore } from '../ports.js';
import { renderMarkdownReport } from '../report/markdown.js';
import { createGitHubClient, type GitHubClient } from '../github/client.js';
import { StickyComment } from '../github/comment.js';
import { environmentPageUrl, runContextFrom, type RunContext } from '../github/context.js';
import { DeploymentStore, RolloutInProgressError } from '../github/deployments.js';
import { MissingPermissionError } from '../github/permissions.js';
import { findPullRequest } from '../github/pull-request.js';
import { AlertReporter } from '../report/alerts/index.js';
import { failureLine, readStatus } from '../github/status-text.js';
import { checkApprovalPoints, OneStageStore, stopAfterStage } from './advance.js';
import { revertStep } from './revert.js';
import { readInputs, setOutputs, type ActionCommand, type ActionInputs } from './inputs.js';
import { actionsLogger as log, LogGroupReporter } from './log.js';
import {
  createGitHubReporter,
  deploymentTarget,
  loadActionSpec,
  postStepSpec,
  providerContext,
  publishReport,
  rolloutFiles,
} from './setup.js';
import { saveState } from './saved-state.js';
import { lintMigrationsStep } from './migrations.js';
import { environmentIsProduction, type Spec } from '../config/schema.js';

export async function run(): Promise<void> {
  try {
    const inputs = readInputs();
    // The migration gate needs no rollout spec beyond its `migrations:` settings.
    if (inputs.command === 'lint-migrations') {
      return await lintMigrationsStep(inputs, createGitHubClient({ token: inputs.token, log }), runContextFrom(context));
    }
    if (inputs.command === 'revert') {
      return await revertStep(inputs, createGitHubClient({ token: inputs.token, log }), runContextFrom(context));
    }
    const spec = await loadActionSpec(inputs.config, inputs.environment);
    if (!spec) return;
    const plan = compilePlan(spec);
    if (inputs.maxApprovals !== undefined) checkApprovalPoints(plan, inputs.maxApprovals);
    const runContext = runContextFrom(context);
    const github = createGitHubClient({ token: inputs.token, log });
    if (inputs.command === 'status') await showStatus(github, spec, plan, runContext);
    else await rollout(inputs, github, spec, plan, runContext);
  } catch (error) {
    core.setFailed(redact((error as Error).message));
  }
}

async function rollout(inputs: ActionInputs, github: GitHubClient, spec: Spec, plan: Plan, runContext: RunContext): Promise<void> {
  // Everything the post step needs if this step dies: it finds the last safe state in `record`.
  const dir = await mkdtemp(join(process.env.RUNNER_TEMP || tmpdir(), 'rollgate-'));
  const files = rolloutFiles(dir);
  // The router as validated now: a later step may change the checkout, the post step must not care.
  await writeFile(files.postStep, JSON.stringify(postStepSpec(spec)), { mode: 0o600 });
  saveState('record', files.record);
  if (spec.notify.summary) saveState('summary', true);

  // Traffic matters more than the comment: a token that may not read pull requests costs the comment only.
  const pullRequest = spec.notify.pullRequest
    ? await findPullRequest(github, runContext).catch((error: unknown) => {
        if (!(error instanceof MissingPermissionError)) throw error;
        log.warn(`${error.message} Going on without the pull request comment.`);
        return undefined;
      })
    : undefined;
  log.info(pullRequest ? `reporting on pull request #${pullRequest.number}` : 'no pull request for this commit: no comment');
  if (pullRequest) saveState('pullRequest', pullRequest.number);
  const comment = pullRequest
    ? new StickyComment(github, runContext.repo, pullRequest.number, plan.environment, log, (id) => saveState('commentId', id))
    : undefined;
  const deployments = spec.notify.deployment
    ? new DeploymentStore({
        github,
        target: deploymentTarget(plan, runContext, environmentIsProduction(spec)),
        log,
        localPath: files.record,
        embedded: async () => (await comment?.find())?.record,
        // `run` takes up this commit's rollout only; the controls act on whichever is in progress.
        anyCommit: inputs.command !== 'run',
        onDeployment: (id) => saveState('deploymentId', id),
      })
    : undefined;
  const store: StateStore = deployments ?? new FileStateStore(files.record);

  const active = await store.load();
  if (inputs.command === 'abort' && !active) return nothingToAbort(deployments, plan);
  if (inputs.command === 'promote' && !active) throw new Error(`no rollout in progress in ${plan.environment} to promote`);
  const { drivePlan, driveStore } = forCommand(inputs.command, plan, store, active);

  const providers = providerContext(inputs.credentials);
  const { router, gates, hooks } = buildProviders(spec, providers);
  const groups = new LogGroupReporter();
  const alerts = spec.notify.alerts.length
    ? new AlertReporter(spec.notify.alerts, {
        env: providers.env,
        log,
        links: () => ({
          run: runContext.runUrl,
          ...(pullRequest ? { pullRequest: pullRequest.url } : {}),
          ...(deployments ? { deployment: environmentPageUrl(runContext, plan.environment) } : {}),
        }),
      })
    : undefined;
  const githubReporter = createGitHubReporter(plan, runContext, {
    deployments,
    comment,
    ...(spec.rollback.revert === 'pull-request' && pullRequest ? { revert: { github, repo: runContext.repo, pullRequest } } : {}),
  });
  let result: DriveResult;
  try {
    result = await drive(
      {
        router,
        gates,
        hooks,
        store: driveStore,
        reporters: [groups, githubReporter, ...(alerts ? [alerts] : [])],
        clock: systemClock,
        log,
      },
      {
        plan: drivePlan,
        id: `${runContext.sha.slice(0, 7)}-${runContext.runId}`,
        command: controlFor(inputs.command, active, runContext.actor),
        binding: bindingOf(plan, spec.traffic),
      },
    );
  } catch (error) {
    // Another run holds the environment: the traffic is its business, so the post step must not touch it either.
    if (error instanceof RolloutLockedError || error instanceof RolloutInProgressError) saveState('verdict', 'none');
    throw error;
  } finally {
    groups.close();
    await router.close?.();
    await alerts?.flush();
  }
  saveState('verdict', result.outcome);

  const links = { run: runContext.runUrl, ...(githubReporter.revertUrl ? { revertPullRequest: githubReporter.revertUrl } : {}) };
  await publishReport(files.report, renderMarkdownReport(result.plan, result.state, { links }), spec.notify.summary);
  setOutputs({
    outcome: result.outcome,
    stage: stageNumber(result.state.stage),
    weight: result.state.weight,
    ...(deployments?.id !== undefined ? { deploymentId: deployments.id } : {}),
    report: files.report,
  });
  conclude(result, inputs.command);
}

/** `advance` stops once one stage is done; the other commands drive the recorded plan as it is. */
function forCommand(
  command: ActionCommand,
  plan: Plan,
  store: StateStore,
  active: RolloutRecord | undefined,
): { drivePlan: Plan; driveStore: StateStore } {
  if (command !== 'advance') return { drivePlan: plan, driveStore: store };
  const base = active?.plan ?? plan;
  const stopping = stopAfterStage(base, active?.state.stage ?? 0);
  return { drivePlan: stopping, driveStore: new OneStageStore(store, base, stopping) };
}

function controlFor(command: ActionCommand, active: RolloutRecord | undefined, actor: string): DriveOptions['command'] {
  if (!active) return undefined;
  switch (command) {
    case 'abort':
      return { type: 'abort', reason: `requested by @${actor}` };
    case 'promote':
    case 'advance':
      // Approves the stage waiting for approval (or lifts a pause); a rollout mid-stage just goes on.
      return active.state.status === 'awaiting-approval' || active.state.status === 'paused' ? { type: 'approve', by: actor } : undefined;
    default:
      return undefined;
  }
}

function conclude({ outcome, state, plan }: DriveResult, command: ActionCommand): void {
  const where = stageLabel(plan, state.stage);
  if (command === 'abort' && outcome === 'rolled-back') {
    // What was asked for: the step succeeds (a revert job after it may run).
    core.notice(`${plan.environment} rolled back from ${where}: ${plan.stable} serves 100%.`, { title: 'Rollgate aborted' });
    return;
  }
  switch (outcome) {
    case 'promoted':
      core.info(`✔ ${plan.canary} promoted in ${plan.environment}`);
      return;
    case 'paused':
      core.notice(
        `${plan.environment} waits at ${where} (${state.weight}%): ${redact(state.pause?.reason ?? 'paused')}. Continue with \`command: promote\` (or \`advance\` for one stage), or roll back with \`command: abort\`.`,
        {
          title: 'Rollgate paused',
        },
      );
      return;
    case 'rolled-back':
      core.error(redact(`${plan.environment} rolled back at ${where}: ${failureLine(state)}. ${plan.stable} serves 100%.`), {
        title: 'Rollgate rolled back',
      });
      process.exitCode = 1; // not core.ExitCode: @github/local-action's stand-in of @actions/core lacks it
      return;
    case 'failed':
      core.error(
        redact(
          `${plan.environment} failed at ${where}: ${state.failure?.reason ?? 'see the log'}. Check the router: traffic may not be back on ${plan.stable}.`,
        ),
        {
          title: 'Rollgate failed',
        },
      );
      process.exitCode = 1; // not core.ExitCode: @github/local-action's stand-in of @actions/core lacks it
  }
}

/** A repeated abort (the rollout already ended, e.g. by its post step) changes nothing and says so. */
async function nothingToAbort(deployments: DeploymentStore | undefined, plan: Plan): Promise<void> {
  const newest = await deployments?.newest();
  const status = newest?.status ? readStatus(newest.status.state, newest.status.description) : {};
  core.notice(
    `no rollout in progress in ${plan.environment}: nothing to abort${newest?.status ? ` (the last one: "${newest.status.description}")` : ''}`,
  );
  saveState('verdict', 'none');
  setOutputs({ ...status, ...(newest ? { deploymentId: newest.id } : {}) });
}

async function showStatus(github: GitHubClient, spec: Spec, plan: Plan, runContext: RunContext): Promise<void> {
  const deployments = new DeploymentStore({
    github,
    target: deploymentTarget(plan, runContext, environmentIsProduction(spec)),
    log,
    anyCommit: true,
  });
  const newest = await deployments.newest();
  if (!newest) {
    core.info(`no Rollgate rollout recorded in ${plan.environment}`);
    return;
  }
  const status = newest.status ? readStatus(newest.status.state, newest.status.description) : {};
  const line = `${plan.environment}: deployment ${newest.id} of ${newest.sha.slice(0, 7)} · ${newest.status ? `${newest.status.state} · ${newest.status.description}` : 'created, no status yet'}`;
  core.info(logText(line));
  const run = markdownLink(newest.status?.logUrl ?? newest.payload?.run);
  if (spec.notify.summary && process.env.GITHUB_STEP_SUMMARY) {
    await core.summary.addRaw(`### Rollgate · ${plan.environment}\n\n${markdownText(line)}${run ? ` · [run](${run})` : ''}\n`).write();
  }
  setOutputs({ ...status, deploymentId: newest.id });
}
