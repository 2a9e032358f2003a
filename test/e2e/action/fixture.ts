// A repository checkout for the action to roll out from: the spec, a `command` router that writes
// the weight to a file (and its history), a `command` gate that fails from a chosen weight on,
// and real-shaped push / pull_request event payloads.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Job } from './runner.js';

export interface SpecOptions {
  /** The gate fails once the canary weight reaches this (default: never). */
  failFrom?: number;
  /** Bake of each stage (default 1s). */
  bake?: string;
  revert?: boolean;
  approvalAt?: number;
  /** false: no deployment statuses (the record is the local file alone, guarded by its lock). */
  deployment?: boolean;
}

export function specText(options: SpecOptions = {}): string {
  const bake = options.bake ?? '1s';
  return `version: 1
strategy: canary
environment:
  name: production
  url: https://shop.example.com
traffic:
  provider: command
  command: sh traffic.sh
  verify: cat traffic/weight
  stable: shop-v1
  canary: shop-v2
stages:
  - weight: 10
    bake: ${bake}
  - weight: 50
    bake: ${bake}${options.approvalAt === 2 ? '\n    approval: true' : ''}
  - weight: 100
gates:
  error-rate:
    provider: command
    command: sh gate.sh
    threshold: "< 0.01"
    interval: 1s
    env:
      FAIL_FROM: "${options.failFrom ?? 101}"
rollback:
  revert: ${options.revert ? 'pull-request' : 'none'}
${options.deployment === false ? 'notify:\n  deployment: false\n' : ''}`;
}

export const STAGES = 3;

export class Checkout {
  readonly dir: string;
  constructor(spec: SpecOptions = {}) {
    this.dir = mkdtempSync(join(tmpdir(), 'rollgate-action-'));
    mkdirSync(join(this.dir, '.github'));
    mkdirSync(join(this.dir, 'traffic'));
    writeFileSync(join(this.dir, '.github/rollout.yml'), specText(spec));
    // The router: the weight in force, and every change in order.
    writeFileSync(
      join(this.dir, 'traffic.sh'),
      'printf "%s\\n" "$ROLLGATE_WEIGHT" >> traffic/history\nprintf "%s" "$ROLLGATE_WEIGHT" > traffic/weight\n',
    );
    writeFileSync(join(this.dir, 'gate.sh'), 'if [ "$ROLLGATE_WEIGHT" -ge "$FAIL_FROM" ]; then echo 0.2; else echo 0.001; fi\n');
  }

  /** Every weight the router was set to, in order. */
  weights(): number[] {
    const file = join(this.dir, 'traffic/history');
    return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map(Number) : [];
  }
}

let runIds = 4_000_000;

export interface JobOptions {
  repo: string;
  sha: string;
  apiUrl: string;
  token: string;
  event: { name: 'push' | 'pull_request'; payload: unknown };
  runId?: number;
  runAttempt?: number;
}

/** A job of a workflow run: its own RUNNER_TEMP and event file, on the given checkout. */
export function job(checkout: Checkout, options: JobOptions): Job {
  const runnerTemp = mkdtempSync(join(tmpdir(), 'rollgate-runner-'));
  const eventPath = join(runnerTemp, 'event.json');
  writeFileSync(eventPath, JSON.stringify(options.event.payload));
  const pull = options.event.name === 'pull_request' ? (options.event.payload as { number: number }).number : undefined;
  return {
    workspace: checkout.dir,
    runnerTemp,
    env: {
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_REPOSITORY: options.repo,
      GITHUB_REPOSITORY_OWNER: options.repo.split('/')[0]!,
      GITHUB_EVENT_NAME: options.event.name,
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_SHA: options.sha,
      GITHUB_REF: pull ? `refs/pull/${pull}/merge` : 'refs/heads/main',
      GITHUB_WORKFLOW: 'Release',
      GITHUB_JOB: 'release',
      GITHUB_ACTION: 'rollgate',
      GITHUB_ACTOR: 'alice',
      GITHUB_RUN_ID: String(options.runId ?? ++runIds),
      GITHUB_RUN_NUMBER: '12',
      GITHUB_RUN_ATTEMPT: String(options.runAttempt ?? 1),
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_API_URL: options.apiUrl,
      GITHUB_GRAPHQL_URL: `${options.apiUrl}/graphql`,
      RUNNER_OS: 'Linux',
    },
  };
}

const repository = (repo: string) => {
  const [owner, name] = repo.split('/') as [string, string];
  return {
    id: 123456789,
    node_id: 'R_kgDOHkq3cQ',
    name,
    full_name: repo,
    private: false,
    owner: { login: owner, id: 9919, node_id: 'O_kgDOAAAmvw', type: 'Organization' },
    html_url: `https://github.com/${repo}`,
    default_branch: 'main',
  };
};

const sender = { login: 'alice', id: 1001, node_id: 'U_kgDOAAAD6Q', type: 'User' };

/** A push to main, as GitHub delivers it. */
export function pushEvent(repo: string, sha: string): { name: 'push'; payload: unknown } {
  return {
    name: 'push',
    payload: {
      ref: 'refs/heads/main',
      before: '0'.repeat(39) + '1',
      after: sha,
      created: false,
      deleted: false,
      forced: false,
      base_ref: null,
      compare: `https://github.com/${repo}/compare/000000000001...${sha.slice(0, 12)}`,
      commits: [
        {
          id: sha,
          tree_id: 'c'.repeat(40),
          distinct: true,
          message: 'Merge pull request',
          timestamp: '2026-01-05T10:00:00Z',
          url: `https://github.com/${repo}/commit/${sha}`,
          author: { name: 'Alice', email: 'alice@example.com', username: 'alice' },
          committer: { name: 'GitHub', email: 'noreply@github.com', username: 'web-flow' },
          added: [],
          removed: [],
          modified: ['src/app.ts'],
        },
      ],
      head_commit: {
        id: sha,
        tree_id: 'c'.repeat(40),
        distinct: true,
        message: 'Merge pull request',
        timestamp: '2026-01-05T10:00:00Z',
        url: `https://github.com/${repo}/commit/${sha}`,
        author: { name: 'Alice', email: 'alice@example.com', username: 'alice' },
        committer: { name: 'GitHub', email: 'noreply@github.com', username: 'web-flow' },
        added: [],
        removed: [],
        modified: ['src/app.ts'],
      },
      repository: repository(repo),
      pusher: { name: 'alice', email: 'alice@example.com' },
      sender,
    },
  };
}

/** A pull_request "synchronize" event, as GitHub delivers it. */
export function pullRequestEvent(
  repo: string,
  pull: { number: number; nodeId: string; headSha: string; headRef: string },
): { name: 'pull_request'; payload: unknown } {
  return {
    name: 'pull_request',
    payload: {
      action: 'synchronize',
      number: pull.number,
      before: 'd'.repeat(40),
      after: pull.headSha,
      pull_request: {
        url: `https://api.github.com/repos/${repo}/pulls/${pull.number}`,
        id: 1_900_000_000 + pull.number,
        node_id: pull.nodeId,
        html_url: `https://github.com/${repo}/pull/${pull.number}`,
        number: pull.number,
        state: 'open',
        locked: false,
        title: 'Faster checkout',
        user: sender,
        draft: false,
        merged: false,
        merged_at: null,
        merge_commit_sha: 'e'.repeat(40),
        head: { label: `acme:${pull.headRef}`, ref: pull.headRef, sha: pull.headSha, user: sender, repo: repository(repo) },
        base: { label: 'acme:main', ref: 'main', sha: 'b'.repeat(40), user: sender, repo: repository(repo) },
      },
      repository: repository(repo),
      sender,
    },
  };
}
