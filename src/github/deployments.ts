// The StateStore of a rollout run from GitHub Actions: a GitHub Deployment.
//
// Where the record lives, and why:
// - the deployment's payload (set once, at creation) holds the plan, the rollout id and the
//   deployment that was live before (marked inactive after a promotion);
// - each status (one per transition) holds the position in a fixed form, `stage K/N · W% · …`, in
//   its 140-character description: enough to resume at the recorded stage from any job;
// - the sticky PR comment holds the full state (measurements, timeline, bake clock) in a hidden
//   marker; a resume uses it when it matches the latest status, else restarts the stage's bake;
// - a local JSON file (RUNNER_TEMP) is written on every save, so the post step of the same job
//   knows the last safe state even when the main step dies between two transitions.
// Saves cost no request after the deployment exists: statuses are written per transition by
// GitHubReporter, so a rollout stays within a few requests per stage.
import { initialState } from '../engine/engine.js';
import { stageNumber, type Plan } from '../engine/plan.js';
import type { RolloutState } from '../engine/types.js';
import type { Logger, RolloutRecord, StateStore } from '../ports.js';
import { FileStateStore } from '../driver/state-file.js';
import type { GitHubClient } from './client.js';
import type { RepoRef } from './context.js';
import type { EmbeddedRecord } from './comment.js';
import { parsePosition, type DeploymentState, type StatusText } from './status-text.js';

/** Rollgate's deployments carry this task, so its listings skip other tools' deployments. */
export const DEPLOYMENT_TASK = 'deploy:rollgate';

export interface DeploymentPayload {
  rollgate: 1;
  id: string;
  plan: Plan;
  /** The deployment that was live when this rollout began: marked inactive once this one is promoted. */
  previous: number | null;
  run?: string;
}

export interface DeploymentTarget {
  repo: RepoRef;
  environment: string;
  sha: string;
  /** GitHub's production_environment; unset lets GitHub decide (true for "production"). */
  production?: boolean;
  environmentUrl?: string;
  /** This run: every status's log_url. */
  logUrl: string;
}

export interface LatestDeployment {
  id: number;
  sha: string;
  createdAt: string;
  payload: DeploymentPayload | undefined;
  status?: { state: DeploymentState; description: string; createdAt: string; logUrl?: string };
}

export const isActive = (deployment: LatestDeployment) =>
  !deployment.status ||
  deployment.status.state === 'in_progress' ||
  deployment.status.state === 'queued' ||
  deployment.status.state === 'pending';

/** Another rollout holds the environment: Rollgate never shifts traffic alongside it. */
export class RolloutInProgressError extends Error {
  constructor(environment: string, deployment: LatestDeployment) {
    const where = deployment.status ? `"${deployment.status.description}"` : 'starting';
    const run = deployment.status?.logUrl ?? deployment.payload?.run;
    super(
      `${environment} already has a rollout in progress: deployment ${deployment.id} of ${deployment.sha.slice(0, 7)} (${where})${run ? `, run ${run}` : ''}. ` +
        'Rollgate moves traffic for one rollout per environment at a time. Wait for it to finish (a workflow `concurrency:` group ' +
        'queues runs for you), or end it with `command: abort`.',
    );
    this.name = 'RolloutInProgressError';
  }
}

export interface DeploymentStoreOptions {
  github: GitHubClient;
  target: DeploymentTarget;
  log: Logger;
  /** Mirror of every save, read by the post step. */
  localPath?: string;
  /** The sticky comment's embedded state, when there is a pull request. */
  embedded?: () => Promise<EmbeddedRecord | undefined>;
  /** Resume or control an active rollout of another commit too (promote, abort, status). */
  anyCommit?: boolean;
  /** Called once the deployment's id is known. */
  onDeployment?: (id: number) => void;
}

export class DeploymentStore implements StateStore {
  private deploymentId: number | undefined;
  private previous: number | null = null;
  private loaded: RolloutRecord | undefined;
  private latest: LatestDeployment | undefined;
  private looked = false;
  private readonly local: FileStateStore | undefined;

  constructor(private readonly options: DeploymentStoreOptions) {
    this.local = options.localPath ? new FileStateStore(options.localPath) : undefined;
  }

  get id(): number | undefined {
    return this.deploymentId;
  }

  /** Continues recording on a known deployment (the post step). */
  adopt(id: number): void {
    this.deploymentId = id;
    this.looked = true;
  }

  /** The newest Rollgate deployment of the environment and its latest status (two requests, cached). */
  async newest(): Promise<LatestDeployment | undefined> {
    if (this.looked) return this.latest;
    const { github, target } = this.options;
    const { data } = await github.rest.repos.listDeployments({
      ...target.repo,
      environment: target.environment,
      task: DEPLOYMENT_TASK,
      per_page: 1,
    });
    const deployment = data[0];
    if (deployment) {
      const { data: statuses } = await github.rest.repos.listDeploymentStatuses({
        ...target.repo,
        deployment_id: deployment.id,
        per_page: 1,
      });
      const status = statuses[0];
      const payload =
        typeof deployment.payload === 'object' && (deployment.payload as Partial<DeploymentPayload>).rollgate === 1
          ? (deployment.payload as unknown as DeploymentPayload)
          : undefined;
      this.latest = {
        id: deployment.id,
        sha: deployment.sha,
        createdAt: deployment.created_at,
        payload,
        ...(status
          ? {
              status: {
                state: status.state as DeploymentState,
                description: status.description,
                createdAt: status.created_at,
                ...(status.log_url ? { logUrl: status.log_url } : {}),
              },
            }
          : {}),
      };
    }
    this.looked = true;
    return this.latest;
  }

  /** The active rollout of this environment, to resume; undefined when a new one may start. */
  async load(): Promise<RolloutRecord | undefined> {
    if (this.loaded) return structuredClone(this.loaded);
    const newest = await this.newest();
    if (!newest || !isActive(newest)) {
      // Whatever was live before this rollout: the newest if it was promoted, else what it replaced.
      this.previous = !newest ? null : newest.status?.state === 'success' ? newest.id : (newest.payload?.previous ?? null);
      return undefined;
    }
    if (!newest.payload)
      throw new Error(
        `deployment ${newest.id} of ${this.options.target.environment} has no Rollgate payload; end it by marking it inactive`,
      );
    if (newest.sha !== this.options.target.sha && !this.options.anyCommit)
      throw new RolloutInProgressError(this.options.target.environment, newest);
    this.deploymentId = newest.id;
    this.previous = newest.payload.previous;
    this.options.onDeployment?.(newest.id);
    const record = { plan: newest.payload.plan, state: await this.resumeState(newest, newest.payload) };
    this.loaded = record;
    return structuredClone(record);
  }

  async save(record: RolloutRecord): Promise<void> {
    if (this.deploymentId === undefined) await this.create(record);
    this.loaded = structuredClone(record);
    await this.local?.save(record);
  }

  /** Posts a deployment status (one request). */
  async postStatus(text: StatusText): Promise<void> {
    if (this.deploymentId === undefined) return;
    const { github, target } = this.options;
    await github.rest.repos.createDeploymentStatus({
      ...target.repo,
      deployment_id: this.deploymentId,
      state: text.state,
      description: text.description,
      log_url: target.logUrl,
      environment: target.environment,
      ...(target.environmentUrl ? { environment_url: target.environmentUrl } : {}),
    });
  }

  /** After a promotion: the deployment that was live before is no longer. */
  async retirePrevious(): Promise<number | undefined> {
    const previous = this.previous;
    if (previous === null || previous === this.deploymentId) return undefined;
    const { github, target } = this.options;
    await github.rest.repos.createDeploymentStatus({
      ...target.repo,
      deployment_id: previous,
      state: 'inactive',
      description: `replaced by deployment ${this.deploymentId}`,
      log_url: target.logUrl,
    });
    return previous;
  }

  private async create(record: RolloutRecord): Promise<void> {
    const { github, target, log } = this.options;
    const payload: DeploymentPayload = { rollgate: 1, id: record.state.id, plan: record.plan, previous: this.previous, run: target.logUrl };
    const { data, status } = await github.rest.repos.createDeployment({
      ...target.repo,
      ref: target.sha,
      task: DEPLOYMENT_TASK,
      environment: target.environment,
      auto_merge: false,
      required_contexts: [],
      payload: payload as unknown as Record<string, unknown>,
      description: `Rollgate ${record.plan.strategy}: ${record.plan.stable} → ${record.plan.canary}`,
      ...(target.production !== undefined ? { production_environment: target.production } : {}),
    });
    if (status !== 201 || !('id' in data))
      throw new Error(`GitHub did not create the deployment: ${'message' in data ? data.message : status}`);
    this.deploymentId = data.id;
    log.info(`deployment ${data.id} created for ${target.sha.slice(0, 7)} in ${target.environment}`);
    this.options.onDeployment?.(data.id);
  }

  /** The state to resume from: the comment's full state when it agrees with the latest status, else rebuilt from the status. */
  private async resumeState(deployment: LatestDeployment, payload: DeploymentPayload): Promise<RolloutState> {
    const start = initialState(payload.id, Date.parse(deployment.createdAt));
    if (!deployment.status) return start;
    const position = parsePosition(deployment.status.state, deployment.status.description);
    if (!position || position.stages !== payload.plan.stages.length) {
      throw new Error(
        `cannot read where deployment ${deployment.id} stands from its status "${deployment.status.description}"; end it with \`command: abort\``,
      );
    }
    const embedded = await this.options.embedded?.().catch(() => undefined);
    const full = embedded?.deployment === deployment.id ? embedded.state : undefined;
    if (full && full.stage === position.stage && full.status === position.status && full.weight === position.weight) return full;
    const at = Date.parse(deployment.status.createdAt);
    this.options.log.info(
      `resuming from the deployment status: stage ${stageNumber(position.stage)}, ${position.weight}% (the stage's bake starts again)`,
    );
    return {
      ...start,
      status: position.status,
      phase: 'shifting',
      stage: position.stage,
      weight: position.weight,
      updatedAt: at,
      ...(position.status === 'awaiting-approval' ? { pause: { kind: 'approval' as const, reason: 'approval needed', at } } : {}),
      ...(position.status === 'paused' ? { pause: { kind: 'inconclusive' as const, reason: position.reason ?? 'paused', at } } : {}),
    };
  }
}
