// The wiring the main and the post step share: the spec as the inputs name it, where a rollout's
// files live, what providers see, the deployment target, the GitHub reporter, and where the report
// goes (a file for the `report` output, and the job summary).
import * as core from '@actions/core';
import { environmentNameProblem } from '../config/common.js';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Plan } from '../engine/plan.js';
import { formatSpecError, loadSpecFile } from '../config/load.js';
import type { Spec } from '../config/schema.js';
import type { StickyComment } from '../github/comment.js';
import { environmentPageUrl, type RunContext } from '../github/context.js';
import type { DeploymentStore, DeploymentTarget } from '../github/deployments.js';
import { GitHubReporter, type GitHubReporterOptions } from '../github/reporter.js';
import type { ProviderEnv } from '../ports.js';
import type { RouterSpec } from '../driver/providers.js';
import type { AlertSpec } from '../report/alerts/index.js';
import { providerEnvironment } from './inputs.js';
import { actionsLogger as log } from './log.js';

export const workspace = () => process.env.GITHUB_WORKSPACE || process.cwd();

/** The spec with the `environment` input applied; undefined (after annotating each problem at its line) when invalid. */
export async function loadActionSpec(config: string, environment: string | undefined): Promise<Spec | undefined> {
  const result = await loadSpecFile(resolve(workspace(), config), config);
  if (!result.ok) {
    for (const error of result.errors) {
      core.error(formatSpecError(error), {
        title: 'Invalid rollout spec',
        file: error.file,
        startLine: error.line,
        startColumn: error.column,
      });
    }
    core.setFailed(
      `${config} is not a valid rollout spec (${result.errors.length} problem${result.errors.length === 1 ? '' : 's'}); nothing was changed`,
    );
    return undefined;
  }
  const spec = result.spec;
  if (!environment) return spec;
  // The input names files and queries as the spec's environment does: the same rule.
  const problem = environmentNameProblem(environment);
  if (problem) {
    core.setFailed(`input environment: ${problem}; nothing was changed`);
    return undefined;
  }
  return { ...spec, environment: typeof spec.environment === 'string' ? environment : { ...spec.environment, name: environment } };
}

/**
 * A rollout's files, in a directory of the runner's temp: the record (the post step's way back),
 * what the post step needs of the spec as the main step validated it, and the Markdown report.
 */
export function rolloutFiles(dir: string): { record: string; postStep: string; report: string } {
  return { record: join(dir, 'record.json'), postStep: join(dir, 'post-step.json'), report: join(dir, 'report.md') };
}

/** The router to return traffic through, and the alerts to tell the team (secrets stay in the environment: only their names). */
export type PostStepSpec = RouterSpec & { alerts: AlertSpec[] };

export function postStepSpec(spec: Spec): PostStepSpec {
  return { strategy: spec.strategy, traffic: spec.traffic, ...(spec.rolling ? { rolling: spec.rolling } : {}), alerts: spec.notify.alerts };
}

/** What the router, gates, hooks and alerts get: the credentials over the job's environment, the log, the workspace. */
export function providerContext(credentials: Record<string, string>): ProviderEnv {
  return { env: providerEnvironment(credentials), log, cwd: workspace() };
}

/** Where the Deployment goes; `production` undefined lets GitHub decide. */
export function deploymentTarget(plan: Plan, run: RunContext, production?: boolean): DeploymentTarget {
  return {
    repo: run.repo,
    environment: plan.environment,
    sha: run.sha,
    logUrl: run.runUrl,
    ...(production !== undefined ? { production } : {}),
    ...(plan.environmentUrl ? { environmentUrl: plan.environmentUrl } : {}),
  };
}

/** The GitHub reporter of a run, main step or post step alike. */
export function createGitHubReporter(
  plan: Plan,
  run: RunContext,
  parts: { deployments?: DeploymentStore | undefined; comment?: StickyComment | undefined; revert?: GitHubReporterOptions['revert'] },
): GitHubReporter {
  const { deployments, comment, revert } = parts;
  return new GitHubReporter({
    ...(deployments ? { deployments } : {}),
    ...(comment ? { comment } : {}),
    ...(revert ? { revert } : {}),
    links: { run: run.runUrl, ...(deployments ? { deployment: environmentPageUrl(run, plan.environment) } : {}) },
    runUrl: run.runUrl,
    log,
  });
}

/** Writes the Markdown report to its file (the `report` output) and, if the spec asks, to the job summary. */
export async function publishReport(path: string, markdown: string, summary: boolean): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, markdown);
  if (summary && process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(markdown, true).write();
}
