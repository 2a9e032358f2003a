// The post step (runs even when the job was cancelled): if the main step ended without a verdict
// (cancelled, killed, crashed) after traffic moved, the driver feeds the engine an `interrupted`
// event for the saved record. The engine decides as for any rollback: traffic back to the stable
// version (the driver's retries with backoff, verified), then the record, then the deployment status,
// the comment and the alerts. This file only wires the ports and says how it ended.
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
import { buildRouter } from '../driver/providers.js';
import { AlertReporter, type AlertSpec } from '../report/alerts/index.js';
import type { AlertLinks } from '../report/alerts/alert.js';
import type { ProviderEnv } from '../ports.js';
import { createGitHubClient } from '../github/client.js';
import { StickyComment } from '../github/comment.js';
import { environmentPageUrl, pullRequestUrl, runContextFrom } from '../github/context.js';
import { DeploymentStore } from '../github/deployments.js';
import { failureLine } from '../github/status-text.js';
import { actionsLogger as log } from './log.js';
import { readCredentials } from './inputs.js';
import { readSavedState } from './saved-state.js';
import { createGitHubReporter, deploymentTarget, providerContext, publishReport, rolloutFiles, type PostStepSpec } from './setup.js';

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
    const kept = JSON.parse(await readFile(files.postStep, 'utf8')) as PostStepSpec;
    await trafficProviders.load([kept.traffic.provider]);
    const providers = providerContext(readCredentials());
    const router = buildRouter(kept, providers);

    const runContext = runContextFrom(context);
    const alerts = alertReporter(kept.alerts, providers, {
      run: runContext.runUrl,
      ...(saved.pullRequest ? { pullRequest: pullRequestUrl(runContext, saved.pullRequest) } : {}),
      ...(saved.deploymentId ? { deployment: environmentPageUrl(runContext, plan.environment) } : {}),
    });
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
          reporters: [createGitHubReporter(plan, runContext, { deployments, comment }), ...(alerts ? [alerts] : [])],
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
      await alerts?.flush();
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

/** The main step checked the alert settings before anything moved; here a problem costs the alert, never the way back. */
function alertReporter(specs: AlertSpec[], providers: ProviderEnv, links: AlertLinks): AlertReporter | undefined {
  if (!specs.length) return undefined;
  try {
    return new AlertReporter(specs, { env: providers.env, log, links: () => links });
  } catch (error) {
    log.warn(`alerts: ${(error as Error).message}; returning traffic without them`);
    return undefined;
  }
}
