// What the main and the post step share: the spec as the inputs name it, the deployment target,
// and where the report goes (a file for the `report` output, and the job summary).
import * as core from '@actions/core';
import { environmentNameProblem } from '../config/common.js';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Plan } from '../engine/plan.js';
import { formatSpecError, loadSpecFile } from '../config/load.js';
import { environmentIsProduction, type Spec } from '../config/schema.js';
import type { RunContext } from '../github/context.js';
import type { DeploymentTarget } from '../github/deployments.js';

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

export function deploymentTarget(spec: Spec, plan: Plan, run: RunContext): DeploymentTarget {
  const production = environmentIsProduction(spec);
  return {
    repo: run.repo,
    environment: plan.environment,
    sha: run.sha,
    logUrl: run.runUrl,
    ...(production !== undefined ? { production } : {}),
    ...(plan.environmentUrl ? { environmentUrl: plan.environmentUrl } : {}),
  };
}

/** Writes the Markdown report to its file (the `report` output) and, if the spec asks, to the job summary. */
export async function publishReport(path: string, markdown: string, summary: boolean): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, markdown);
  if (summary && process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(markdown, true).write();
}
