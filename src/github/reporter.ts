// The GitHub side of reporting: per transition, one deployment status and one edit of the sticky
// comment; on a regression, the revert pull request. Measurements alone write nothing: the
// request count stays a few per stage however long the bake.
import { stageSchedule, type Plan } from '../engine/plan.js';
import type { ReportKind, RolloutState } from '../engine/types.js';
import type { Logger, Reporter } from '../ports.js';
import { renderMarkdownReport, type ReportLinks } from '../report/markdown.js';
import type { GitHubClient } from './client.js';
import { MAX_COMMENT, MAX_RECORD, type StickyComment } from './comment.js';
import type { DeploymentStore } from './deployments.js';
import { MissingPermissionError } from './permissions.js';
import type { RepoRef } from './context.js';
import type { PullRequestRef } from './pull-request.js';
import { openRevertPullRequest } from './revert.js';
import { failureLine, statusText } from './status-text.js';

export interface GitHubReporterOptions {
  /** Absent when the spec turns deployment statuses off. */
  deployments?: DeploymentStore;
  /** Absent when there is no pull request or the spec turns the comment off. */
  comment?: StickyComment;
  /** Set when the spec asks for a revert PR after a regression. */
  revert?: { github: GitHubClient; repo: RepoRef; pullRequest: PullRequestRef };
  links: ReportLinks;
  runUrl: string;
  log: Logger;
}

/**
 * Transitions that write nothing to GitHub: `started` is followed at once by stage 1, `measured` by
 * more of the same, `drift` by the pause (or, re-applied, by the next write, its warning in the timeline).
 */
const SILENT: ReadonlySet<ReportKind> = new Set(['started', 'measured', 'drift']);

export class GitHubReporter implements Reporter {
  /** The revert pull request, once opened. */
  revertUrl: string | undefined;
  private readonly off = new Set<'status' | 'comment'>();

  constructor(private readonly options: GitHubReporterOptions) {}

  async report(kind: ReportKind, state: RolloutState, plan: Plan): Promise<void> {
    if (SILENT.has(kind)) return;
    // A stage with no bake and nothing to wait for (typically the final 100 %) ends at once: the
    // write that follows (promoted, or the rollback) says it all.
    if (kind === 'stage-started' && stageSchedule(plan, plan.stages[state.stage]!).minimumMs === 0) return;
    const problems: string[] = [];
    // The durable record first, the comment last: it links what the steps before produced.
    await this.attempt('status', problems, async () => {
      await this.options.deployments?.postStatus(statusText(plan, state));
      if (kind === 'promoted') {
        const retired = await this.options.deployments?.retirePrevious();
        if (retired) this.options.log.info(`deployment ${retired} marked inactive`);
      }
    });
    if (kind === 'rolled-back' && state.failure?.gate && this.options.revert && !this.revertUrl)
      await this.openRevert(plan, state, problems);
    await this.writeComment(plan, state, problems);
    if (problems.length) throw new Error(problems.join('; '));
  }

  /** Rewrites the comment from a state (the post step uses it after restoring traffic). */
  async writeComment(plan: Plan, state: RolloutState, problems: string[] = []): Promise<void> {
    const comment = this.options.comment;
    if (!comment) return;
    await this.attempt('comment', problems, async () => {
      const deployment = this.options.deployments?.id;
      const report = renderMarkdownReport(plan, state, {
        links: { ...this.options.links, ...(this.revertUrl ? { revertPullRequest: this.revertUrl } : {}) },
        maxLength: MAX_COMMENT - MAX_RECORD - 500,
      });
      await comment.write(report, deployment !== undefined ? { deployment, state } : undefined);
    });
  }

  private async openRevert(plan: Plan, state: RolloutState, problems: string[]): Promise<void> {
    const { github, repo, pullRequest } = this.options.revert!;
    if (!pullRequest.merged) {
      this.options.log.info(`#${pullRequest.number} is not merged: no revert pull request to open`);
      return;
    }
    try {
      const revert = await openRevertPullRequest(github, repo, pullRequest, {
        environment: plan.environment,
        reason: failureLine(state),
        runUrl: this.options.runUrl,
      });
      this.revertUrl = revert.url;
      this.options.log.info(`revert pull request ${revert.existing ? 'already open' : 'opened'}: ${revert.url}`);
    } catch (error) {
      problems.push(`revert pull request: ${(error as Error).message}`);
    }
  }

  /** A refused permission turns that channel off for the rest of the run: one warning, not one per stage. */
  private async attempt(channel: 'status' | 'comment', problems: string[], write: () => Promise<void>): Promise<void> {
    if (this.off.has(channel)) return;
    try {
      await write();
    } catch (error) {
      if (error instanceof MissingPermissionError) this.off.add(channel);
      problems.push(`${channel === 'status' ? 'deployment status' : 'pull request comment'}: ${(error as Error).message}`);
    }
  }
}
