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
//
// One rollout per environment, race-free: of the environment's active Rollgate deployments the
// lowest id holds it. A run creates its deployment, then looks: if an older one is active it has
// lost, marks its own `error` and stops before any traffic change. Every forward traffic change
// looks again (the holder may have been aborted by another job meanwhile); a rollback never waits
// on GitHub for it.
import { initialState } from '../engine/engine.js';
import { stageNumber, type Plan } from '../engine/plan.js';
import type { RolloutState } from '../engine/types.js';
import type { Logger, RolloutRecord, StateStore } from '../ports.js';
import { FileStateStore } from '../driver/state-file.js';
import { checkPlan, checkState } from '../driver/record.js';
import { RolloutLockedError } from '../driver/state-lock.js';
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
  /** The record's binding to its spec and router (see driver/record.ts). */
  binding?: string;
}

/** How many of the newest Rollgate deployments of an environment are looked at for the one holding it. */
export const HOLDER_SCAN = 10;

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
  /** Who created it (the login of the token that did). */
  creator?: string;
  payload: DeploymentPayload | undefined;
  status?: { state: DeploymentState; description: string; createdAt: string; logUrl?: string };
}

export const isActive = (deployment: LatestDeployment) =>
  !deployment.status ||
  deployment.status.state === 'in_progress' ||
  deployment.status.state === 'queued' ||
  deployment.status.state === 'pending';

/** A rollout whose rollback failed: traffic may still be on the canary, so it holds the environment until a re-run finishes the rollback. */
export const isFailedRollback = (deployment: LatestDeployment) =>
  deployment.status?.state === 'error' && deployment.status.description.startsWith('failed at stage ');

/** Another rollout holds the environment: Rollgate never shifts traffic alongside it. */
export class RolloutInProgressError extends RolloutLockedError {
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
  /** Deployments seen finished: they never become active again. */
  private readonly finished = new Set<number>();
  /** This run's deployment was seen holding the environment. */
  private held = false;
  /** The holder was looked up after the last traffic change. */
  private checkedSinceChange = false;
  /** The last look at the environment's deployments, reused by newest(). */
  private scanned: { listed: Awaited<ReturnType<DeploymentStore['list']>>; seen: Map<number, LatestDeployment> } | undefined;

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
    const [deployment] = this.scanned?.listed ?? (await this.list(1));
    this.latest = deployment ? (this.scanned?.seen.get(deployment.id) ?? (await this.withStatus(deployment))) : undefined;
    this.looked = true;
    return this.latest;
  }

  /**
   * The deployment holding the environment: the oldest active one among the newest HOLDER_SCAN.
   * A deployment seen finished stays finished, so a later look costs one listing and one status.
   */
  async holder(): Promise<LatestDeployment | undefined> {
    const listed = await this.list(HOLDER_SCAN);
    const seen = new Map<number, LatestDeployment>();
    this.scanned = { listed, seen };
    this.checkedSinceChange = true;
    for (const deployment of [...listed].sort((a, b) => a.id - b.id)) {
      if (this.finished.has(deployment.id)) continue;
      const latest = await this.withStatus(deployment);
      seen.set(deployment.id, latest);
      if (isActive(latest) || isFailedRollback(latest)) return latest;
      this.finished.add(deployment.id);
    }
    return undefined;
  }

  /** Throws unless this run's deployment still holds the environment (see the top of this file). */
  async confirm({ rollback }: { rollback: boolean }): Promise<void> {
    if (this.deploymentId === undefined) return;
    if (rollback && this.held) return;
    // Looked already since the last traffic change (at creation or load): that look counts.
    const fresh = this.checkedSinceChange && this.held;
    this.checkedSinceChange = false;
    if (fresh) return;
    const holder = await this.holder();
    this.checkedSinceChange = false;
    if (holder?.id !== this.deploymentId) {
      throw new RolloutLockedError(
        `deployment ${this.deploymentId} no longer holds ${this.options.target.environment}: ` +
          (holder ? `deployment ${holder.id} of ${holder.sha.slice(0, 7)} does` : 'it was ended by another job') +
          '; this run stops without touching the router',
      );
    }
    this.held = true;
  }

  private async list(count: number) {
    const { github, target } = this.options;
    const { data } = await github.rest.repos.listDeployments({
      ...target.repo,
      environment: target.environment,
      task: DEPLOYMENT_TASK,
      per_page: count,
    });
    return data;
  }

  private async withStatus(deployment: Awaited<ReturnType<DeploymentStore['list']>>[number]): Promise<LatestDeployment> {
    const { github, target } = this.options;
    const { data: statuses } = await github.rest.repos.listDeploymentStatuses({
      ...target.repo,
      deployment_id: deployment.id,
      per_page: 1,
    });
    const status = statuses[0];
    const payload =
      deployment.payload && typeof deployment.payload === 'object' && (deployment.payload as Partial<DeploymentPayload>).rollgate === 1
        ? (deployment.payload as unknown as DeploymentPayload)
        : undefined;
    return {
      id: deployment.id,
      sha: deployment.sha,
      createdAt: deployment.created_at,
      ...(deployment.creator?.login ? { creator: deployment.creator.login } : {}),
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

  /** The active rollout of this environment, to resume; undefined when a new one may start. */
  async load(): Promise<RolloutRecord | undefined> {
    if (this.loaded) return structuredClone(this.loaded);
    const holder = await this.holder();
    if (!holder) {
      // Whatever was live before this rollout: the newest if it was promoted, else what it replaced.
      const newest = await this.newest();
      this.previous = !newest ? null : newest.status?.state === 'success' ? newest.id : (newest.payload?.previous ?? null);
      return undefined;
    }
    if (!holder.payload)
      throw new Error(
        `deployment ${holder.id} of ${this.options.target.environment} has no Rollgate payload; end it by marking it inactive`,
      );
    if (holder.sha !== this.options.target.sha && !this.options.anyCommit)
      throw new RolloutInProgressError(this.options.target.environment, holder);
    const plan = checkPlan(holder.payload.plan, `the payload of deployment ${holder.id}`);
    this.deploymentId = holder.id;
    this.held = true;
    this.previous = holder.payload.previous;
    this.options.onDeployment?.(holder.id);
    const record: RolloutRecord = {
      plan,
      state: await this.resumeState(holder, { ...holder.payload, plan }),
      ...(holder.payload.binding ? { binding: holder.payload.binding } : {}),
    };
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
    const payload: DeploymentPayload = {
      rollgate: 1,
      id: record.state.id,
      plan: record.plan,
      previous: this.previous,
      run: target.logUrl,
      ...(record.binding ? { binding: record.binding } : {}),
    };
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
    log.info(`deployment ${data.id} created for ${target.sha.slice(0, 7)} in ${target.environment}`);
    // Two runs may both have found the environment free: the older deployment wins.
    let holder: LatestDeployment | undefined;
    try {
      holder = await this.holder();
    } catch (error) {
      await this.markLost(data.id, `could not check which rollout holds ${target.environment}`);
      throw error;
    }
    if (holder && holder.id !== data.id) {
      await this.markLost(data.id, `deployment ${holder.id} holds ${target.environment}; this run stopped`);
      throw new RolloutInProgressError(target.environment, holder);
    }
    this.deploymentId = data.id;
    this.held = true;
    this.options.onDeployment?.(data.id);
  }

  /** Ends a deployment that lost the race (best effort: a failure here changes nothing for traffic). */
  private async markLost(id: number, description: string): Promise<void> {
    const { github, target, log } = this.options;
    this.finished.add(id);
    await github.rest.repos
      .createDeploymentStatus({ ...target.repo, deployment_id: id, state: 'error', description, log_url: target.logUrl })
      .catch((error: Error) => log.warn(`could not mark deployment ${id} as ended: ${error.message}`));
  }

  /** The state to resume from: the comment's full state when it agrees with the latest status, else rebuilt from the status. */
  private async resumeState(deployment: LatestDeployment, payload: DeploymentPayload): Promise<RolloutState> {
    const start = initialState(payload.id, Date.parse(deployment.createdAt));
    if (!deployment.status) return start;
    if (isFailedRollback(deployment)) {
      // The rollback failed: the re-run finishes it. The weight it left is unknown; the stage's is the likeliest.
      const stage = Math.min(Number(/^failed at stage (\d+)/.exec(deployment.status.description)![1]) - 1, payload.plan.stages.length - 1);
      const at = Date.parse(deployment.status.createdAt);
      return {
        ...start,
        status: 'failed',
        stage,
        weight: payload.plan.stages[stage]!.weight,
        updatedAt: at,
        failure: { reason: deployment.status.description.replace(/^failed at stage \d+\/\d+ · /, ''), at },
      };
    }
    const position = parsePosition(deployment.status.state, deployment.status.description);
    if (!position || position.stages !== payload.plan.stages.length) {
      throw new Error(
        `cannot read where deployment ${deployment.id} stands from its status "${deployment.status.description}"; end it with \`command: abort\``,
      );
    }
    // The comment's state counts only when it is about this very deployment and rollout, is a valid
    // state, and agrees with the deployment's own latest status (the source of truth).
    const embedded = await this.options.embedded?.().catch(() => undefined);
    let full: RolloutState | undefined;
    try {
      full =
        embedded?.deployment === deployment.id
          ? checkState(embedded.state, payload.plan, `the comment of deployment ${deployment.id}`)
          : undefined;
    } catch (error) {
      this.options.log.warn((error as Error).message);
    }
    if (
      full &&
      full.id === payload.id &&
      full.stage === position.stage &&
      full.status === position.status &&
      full.weight === position.weight &&
      (full.approvedStage === undefined || full.approvedStage <= position.stage)
    )
      return full;
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
