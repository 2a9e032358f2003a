// The GitHub client: Octokit as @actions/github builds it (runner proxy settings honoured), plus
// retries of 5xx answers and waits on rate limits, pointed at GITHUB_API_URL (GitHub Enterprise
// Server), with refused permissions turned into a message that names the missing one.
import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import type { Logger } from '../ports.js';
import { isPermissionRefusal, MissingPermissionError, permissionFor } from './permissions.js';

export type GitHubClient = ReturnType<typeof getOctokit>;

export interface ClientOptions {
  token: string;
  /** REST root, e.g. https://ghe.example.com/api/v3; default $GITHUB_API_URL or https://api.github.com. */
  apiUrl?: string;
  log: Logger;
  /** Attempts after the first for 5xx answers and rate limits. */
  retries?: number;
  /** Base of the backoff in ms (retry n waits n² × this); tests make it small. */
  retryBaseMs?: number;
  /**
   * Queue writes about a second apart, as GitHub asks of integrations (secondary rate limits), and
   * wait out rate limits (default true). Tests of everything else turn it off to run fast.
   */
  pacing?: boolean;
  /** Longest one call may take, retries and rate-limit waits included (default: githubDeadlineMs()). */
  deadlineMs?: number;
}

/** Default deadline of a GitHub call: $ROLLGATE_GITHUB_TIMEOUT seconds, else 20 s. */
export function githubDeadlineMs(env: Record<string, string | undefined> = process.env): number {
  const seconds = Number(env.ROLLGATE_GITHUB_TIMEOUT);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 20_000;
}

/** A GitHub call that did not answer within its deadline. */
export class GitHubTimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`GitHub did not answer ${what} within ${ms / 1000}s`);
    this.name = 'GitHubTimeoutError';
  }
}

export function apiUrlFrom(env: Record<string, string | undefined>): string {
  return (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, '');
}

export function createGitHubClient(options: ClientOptions): GitHubClient {
  const { log } = options;
  if (!options.token) throw new Error('no GitHub token: set the `github-token` input (default: the job token, `${{ github.token }}`)');
  log.mask(options.token);
  const retries = options.retries ?? 3;
  const onLimit =
    (kind: string) => (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
      log.warn(
        `GitHub ${kind} rate limit on ${request.method} ${request.url}; ${retryCount < retries ? `retrying in ${retryAfter}s` : 'giving up'}`,
      );
      return retryCount < retries;
    };
  const octokit = getOctokit(
    options.token,
    {
      baseUrl: options.apiUrl ?? apiUrlFrom(process.env),
      userAgent: 'rollgate',
      retry: { retries, ...(options.retryBaseMs !== undefined ? { retryAfterBaseValue: options.retryBaseMs } : {}) },
      throttle: {
        enabled: options.pacing ?? true,
        onRateLimit: onLimit('primary'),
        onSecondaryRateLimit: onLimit('secondary'),
        ...(options.retryBaseMs !== undefined ? { retryAfterBaseValue: options.retryBaseMs } : {}),
      },
      log: {
        debug: (m: string) => log.debug(m),
        info: (m: string) => log.debug(m),
        warn: (m: string) => log.warn(m),
        error: (m: string) => log.warn(m),
      },
    },
    retry,
    throttling,
  );
  // Registered after the retry and throttling plugins, so it wraps them: the deadline covers a
  // call's retries and rate-limit waits too, and aborts the request in flight when it passes.
  const deadlineMs = options.deadlineMs ?? githubDeadlineMs();
  octokit.hook.wrap('request', async (request, endpoint) => {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        const url = String(endpoint.url ?? '').replace(/\?.*$/, '');
        const error = new GitHubTimeoutError(`${String(endpoint.method)} ${url}`, deadlineMs);
        controller.abort(error);
        reject(error);
      }, deadlineMs);
    });
    try {
      return await Promise.race([request({ ...endpoint, request: { ...endpoint.request, signal: controller.signal } }), expired]);
    } finally {
      clearTimeout(timer);
    }
  });
  octokit.hook.error('request', (error) => {
    const failure = error as Error & { status?: number; request?: { method?: string; url?: string } };
    if (failure.status !== undefined && isPermissionRefusal(failure.status, failure.message)) {
      const method = failure.request?.method ?? 'GET';
      const path = failure.request?.url ? new URL(failure.request.url).pathname : '';
      throw new MissingPermissionError(`${method} ${path}`, permissionFor(method, path));
    }
    throw error;
  });
  return octokit;
}

const identities = new WeakMap<GitHubClient, Promise<string | undefined>>();

/**
 * The login this token acts as: a person's login, or an app's `slug[bot]` (the job token:
 * github-actions[bot]). GraphQL `viewer` answers installation tokens too, where GET /user is
 * refused. Undefined when GitHub cannot be asked: then no existing comment is trusted.
 */
export function tokenIdentity(github: GitHubClient, log: Logger): Promise<string | undefined> {
  let identity = identities.get(github);
  if (!identity) {
    identity = github
      .graphql<{ viewer: { login: string } }>('query RollgateIdentity { viewer { login } }')
      .then((answer) => answer.viewer.login)
      .catch((error: unknown) => {
        log.warn(`could not tell which identity this token acts as (${(error as Error).message}): no existing comment is trusted`);
        return undefined;
      });
    identities.set(github, identity);
  }
  return identity;
}
