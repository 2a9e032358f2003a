// The post step (runs even when the job was cancelled): if the main step ended without a verdict
// (cancelled, killed, crashed) after traffic moved, the driver feeds the engine an `interrupted`
// event for the saved record. The engine decides as for any rollback: traffic back to the stable
// version (the driver's retries with backoff, verified), then the record, then the deployment status
// and the comment. This file only wires the ports and says how it ended.
import { redact } from '../util/secrets.js';
import * as core from '@actions/core';
import { context } from '@actions/github';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { drive, type DriveResult } from '../driver/driver.js';
import { systemClock } from '../driver/clock.js';
import { FileStateStore } from '../driver/state-file.js';
import { isFinished } from '../engine/engine.js';
import { stageLabel } from '../engine/plan.js';
import { renderMarkdownReport } from '../report/markdown.js';
import { trafficProviders } from '../traffic/registry.js';
import { buildRouter, type RouterSpec } from '../driver/providers.js';
import { createGitHubClient } from '../github/client.js';
import { StickyComment } from '../github/comment.js';
import { runContextFrom } from '../github/context.js';
import { DeploymentStore } from '../github/deployments.js';
import { failureLine } from '../github/status-text.js';
import { actionsLogger as log } from './log.js';
import { readCredentials } from './inputs.js';
import { readSavedState } from './saved-state.js';
import { createGitHubReporter, deploymentTarget, providerContext, publishReport, rolloutFiles } from './setup.js';

export async function run(): Promise<void> {
  try {
    const saved = readSavedState();
    if (saved.verdict) return core.info(`the main step ended with a verdict (${saved.verdict}): nothing to restore`);
    const files = saved.record ? rolloutFiles(dirname(saved.record)) : undefined;
    // The local record, not the deployment: the way back must not depend on GitHub answering.
    const store = files && new FileStateStore(files.record);
    const record = await store?.load();
    if (!files || !store || !record) return core.info('traffic never moved: nothing to restore');
    if (isFinished(record.state)) return core.info(`the rollout had ended (${record.state.status}): nothing to restore`);

    const { plan } = record;
    // The router as the main step validated it: a later step may have changed the checkout.
    const routerSpec = JSON.parse(await readFile(files.router, 'utf8')) as RouterSpec;
    await trafficProviders.load([routerSpec.traffic.provider]);
    const router = buildRouter(routerSpec, providerContext(readCredentials()));

    const runContext = runContextFrom(context);
    const github = createGitHubClient({ token: core.getInput('github-token'), log });
    const deployments = saved.deploymentId ? new DeploymentStore({ github, target: deploymentTarget(plan, runContext), log }) : undefined;
    if (deployments && saved.deploymentId) deployments.adopt(saved.deploymentId);
    const comment = saved.pullRequest ? new StickyComment(github, runContext.repo, saved.pullRequest, plan.environment, log) : undefined;
    if (comment && saved.commentId) comment.adopt(saved.commentId);

    const where = stageLabel(plan, record.state.stage);
    let result: DriveResult;
    try {
      result = await drive(
        {
          router,
          gates: {},
          store,
          reporters: [createGitHubReporter(plan, runContext, { deployments, comment })],
          clock: systemClock,
          log,
        },
        {
          plan,
          id: record.state.id,
          ...(record.binding !== undefined ? { binding: record.binding } : {}),
          command: { type: 'interrupted', reason: `the main step ended without a verdict at ${where} (cancelled, killed or crashed)` },
        },
      );
    } finally {
      await router.close?.();
    }

    await publishReport(
      files.report,
      renderMarkdownReport(result.plan, result.state, { links: { run: runContext.runUrl } }),
      saved.summary === true,
    );
    const message =
      result.outcome === 'rolled-back'
        ? `${plan.environment}: ${failureLine(result.state)}; ${plan.stable} serves 100% again`
        : `${plan.environment}: interrupted at ${where}, and returning traffic to ${plan.stable} failed: ${result.state.failure?.reason ?? 'see the log'}. Check the router.`;
    core.error(redact(message), { title: 'Rollgate interrupted' });
    process.exitCode = 1; // not core.ExitCode: @github/local-action's stand-in of @actions/core lacks it
  } catch (error) {
    core.setFailed(redact((error as Error).message));
  }
}
