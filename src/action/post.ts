// The post step (runs even when the job was cancelled): if the main step ended without a verdict
// (cancelled, killed, crashed) after traffic moved, return traffic to the last safe state (the
// stable version at 100 % for a canary), record `error` on the deployment and update the comment.
import { redact } from '../util/secrets.js';
import * as core from '@actions/core';
import { context } from '@actions/github';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isFinished } from '../engine/engine.js';
import { stageLabel, stageNumber, type Plan } from '../engine/plan.js';
import type { RolloutState } from '../engine/types.js';
import type { TrafficRouter } from '../ports.js';
import { FileStateStore } from '../driver/state-file.js';
import { renderMarkdownReport } from '../report/markdown.js';
import { createRouter, trafficProviders, type TrafficSpec } from '../traffic/registry.js';
import { createGitHubClient } from '../github/client.js';
import { StickyComment } from '../github/comment.js';
import { environmentPageUrl, runContextFrom } from '../github/context.js';
import { DeploymentStore } from '../github/deployments.js';
import { GitHubReporter } from '../github/reporter.js';
import { statusText } from '../github/status-text.js';
import { actionsLogger as log } from './log.js';
import { publishReport, workspace } from './setup.js';
import { providerEnvironment, readCredentials } from './inputs.js';

/** Attempts to set the safe weight before giving up and saying so. */
const RESTORE_ATTEMPTS = 3;

export async function run(): Promise<void> {
  try {
    const verdict = core.getState('verdict');
    if (verdict) return core.info(`the main step ended with a verdict (${verdict}): nothing to restore`);
    const recordPath = core.getState('record');
    const record = recordPath ? await new FileStateStore(recordPath).load() : undefined;
    if (!record) return core.info('traffic never moved: nothing to restore');
    if (isFinished(record.state)) return core.info(`the rollout had ended (${record.state.status}): nothing to restore`);

    const { plan } = record;
    const traffic = JSON.parse(await readFile(join(dirname(recordPath), 'traffic.json'), 'utf8')) as TrafficSpec;
    await trafficProviders.load([traffic.provider]);
    const router = createRouter(traffic, { env: providerEnvironment(readCredentials()), log, cwd: workspace() });
    const state = await restore(router, plan, record.state);

    const token = core.getInput('github-token');
    const runContext = runContextFrom(context);
    const github = createGitHubClient({ token, log });
    const deploymentId = Number(core.getState('deployment-id')) || undefined;
    const target = {
      repo: runContext.repo,
      environment: plan.environment,
      sha: runContext.sha,
      logUrl: runContext.runUrl,
      ...(plan.environmentUrl ? { environmentUrl: plan.environmentUrl } : {}),
    };
    const deployments = deploymentId ? new DeploymentStore({ github, target, log }) : undefined;
    deployments?.adopt(deploymentId!);
    const pullRequest = Number(core.getState('pull-request')) || undefined;
    const comment = pullRequest ? new StickyComment(github, runContext.repo, pullRequest, plan.environment, log) : undefined;
    const commentId = Number(core.getState('comment-id')) || undefined;
    if (comment && commentId) comment.adopt(commentId);
    const reporter = new GitHubReporter({
      ...(deployments ? { deployments } : {}),
      ...(comment ? { comment } : {}),
      links: { run: runContext.runUrl, ...(deployments ? { deployment: environmentPageUrl(runContext, plan.environment) } : {}) },
      runUrl: runContext.runUrl,
      log,
    });
    await deployments?.postStatus(statusText(plan, state)).catch((error: Error) => log.warn(`deployment status: ${error.message}`));
    const problems: string[] = [];
    await reporter.writeComment(plan, state, problems);
    for (const problem of problems) log.warn(problem);
    const reportPath = join(dirname(recordPath), 'report.md');
    await publishReport(
      reportPath,
      renderMarkdownReport(plan, state, { links: { run: runContext.runUrl } }),
      core.getState('summary') === 'true',
    );
    core.error(redact(`${plan.environment}: ${state.failure!.reason}`), { title: 'Rollgate interrupted' });
    process.exitCode = core.ExitCode.Failure;
  } catch (error) {
    core.setFailed(redact((error as Error).message));
  }
}

/** Sets the stable version back to 100 % (verified), and returns the state to record. */
async function restore(router: TrafficRouter, plan: Plan, previous: RolloutState): Promise<RolloutState> {
  const state = structuredClone(previous);
  const stage = plan.stages[state.stage]!;
  let problem = '';
  for (let attempt = 1; attempt <= RESTORE_ATTEMPTS; attempt++) {
    try {
      await router.setWeight(0, { stage: stageNumber(state.stage), stageName: stage.name, environment: plan.environment, rollback: true });
      if (await router.verify(0)) {
        problem = '';
        break;
      }
      problem = `router ${router.type} did not confirm 0%`;
    } catch (error) {
      problem = (error as Error).message;
    }
    log.warn(`returning traffic to ${plan.stable} failed (attempt ${attempt}/${RESTORE_ATTEMPTS}): ${problem}`);
  }
  await router.close?.();
  const at = Date.now();
  const where = stageLabel(plan, state.stage);
  const reason = problem
    ? `interrupted at ${where}, and returning traffic to ${plan.stable} failed: ${problem}`
    : `interrupted: the main step ended without a verdict at ${where} (cancelled, killed or crashed); ${plan.stable} serves 100% again`;
  state.status = problem ? 'failed' : 'rolled-back';
  if (!problem) state.weight = 0;
  delete state.pause;
  state.failure = { reason, at };
  state.updatedAt = at;
  state.timeline.push({ at, stage: state.stage, weight: state.weight, kind: problem ? 'failed' : 'rolled-back', message: reason });
  log.info(reason);
  return state;
}
