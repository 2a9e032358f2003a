// `command: lint-migrations`: the migration safety gate in a pull request. Findings become
// annotations on the diff, the job summary, and a sticky comment of their own; an error finding
// fails the step.
import * as core from '@actions/core';
import { resolve } from 'node:path';
import { loadMigrationsSettings } from '../migrations/config.js';
import { hasErrors, lintMigrations } from '../migrations/run.js';
import { renderMigrationsMarkdown } from '../migrations/report/markdown.js';
import { formatSpecError } from '../config/load.js';
import type { GitHubClient } from '../github/client.js';
import { StickyComment } from '../github/comment.js';
import type { RunContext } from '../github/context.js';
import { MissingPermissionError } from '../github/permissions.js';
import type { ActionInputs } from './inputs.js';
import { actionsLogger as log } from './log.js';
import { workspace } from './setup.js';

/** The sticky comment's key: not an environment name GitHub allows (no "#"), so it never collides. */
const COMMENT_KEY = '#migrations';

export async function lintMigrationsStep(inputs: ActionInputs, github: GitHubClient, runContext: RunContext): Promise<void> {
  const cwd = workspace();
  const settings = await loadMigrationsSettings(resolve(cwd, inputs.config), inputs.config, false);
  if (!settings.ok) {
    for (const error of settings.errors)
      core.error(formatSpecError(error), { file: inputs.config, startLine: error.line, startColumn: error.column });
    core.setFailed(`${inputs.config} is not valid`);
    return;
  }
  // In a pull request, only what it changes, judged against the history of its base.
  const base = inputs.base ?? runContext.pullRequest?.base.sha;
  const head = inputs.head ?? (base ? runContext.sha : undefined);
  const report = await lintMigrations({ cwd, settings: settings.settings, paths: [], base, head });

  for (const finding of report.findings) {
    const annotate = finding.severity === 'error' ? core.error : finding.severity === 'warning' ? core.warning : core.notice;
    annotate(finding.message, {
      title: `rollgate: ${finding.rule}`,
      file: finding.file,
      startLine: finding.line,
      startColumn: finding.column,
    });
  }
  const markdown = renderMigrationsMarkdown(report);
  await core.summary.addRaw(markdown).addEOL().write();
  if (runContext.pullRequest) {
    const comment = new StickyComment(github, runContext.repo, runContext.pullRequest.number, COMMENT_KEY, log);
    await comment.write(markdown).catch((error: unknown) => {
      if (!(error instanceof MissingPermissionError)) throw error;
      log.warn(`${error.message} The findings are in the annotations and the job summary.`);
    });
  }
  const errors = report.findings.filter((f) => f.severity === 'error').length;
  core.setOutput('findings', report.findings.length);
  core.setOutput('outcome', hasErrors(report) ? 'failed' : 'passed');
  if (hasErrors(report)) core.setFailed(`${errors} migration finding${errors === 1 ? '' : 's'} would break a zero-downtime deploy`);
  else log.info(`${report.findings.length} finding(s), none blocking`);
}
