// A stateful fake of the GitHub endpoints Rollgate uses, on 127.0.0.1. It sits behind Prism (see
// index.ts), which checks every request and response against GitHub's official description; the
// objects it answers with start from that description's own examples. GraphQL documents are
// validated and executed against GitHub's published schema (@octokit/graphql-schema).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { schema as githubSchema } from '@octokit/graphql-schema';
import { buildClientSchema, execute, parse, validate, type GraphQLSchema, type IntrospectionQuery } from 'graphql';

const require = createRequire(import.meta.url);
const API = 'https://api.github.com';
const WEB = 'https://github.com';

type Permission = 'deployments' | 'pull-requests' | 'contents';
type Level = 'read' | 'write';

export interface FakeUser {
  login: string;
  id: number;
  type: 'Bot' | 'User';
}

export interface FakeToken {
  user: FakeUser;
  /** An installation token (the job's GITHUB_TOKEN, an app): GET /user is refused, as on GitHub. */
  installation: boolean;
  permissions: Partial<Record<Permission, Level>>;
}

export const ACTIONS_BOT: FakeUser = { login: 'github-actions[bot]', id: 41898282, type: 'Bot' };
export const OCTOCAT: FakeUser = { login: 'octocat', id: 583231, type: 'User' };

export interface FakePullRequest {
  number: number;
  headSha: string;
  headRef: string;
  baseRef: string;
  /** Set for a merged PR: the commit it merged as. */
  mergeCommitSha?: string;
  state?: 'open' | 'closed';
  title?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  status: number;
}

interface StoredPull extends FakePullRequest {
  id: number;
  nodeId: string;
  revertOf?: number;
}

export interface StoredDeployment {
  id: number;
  sha: string;
  ref: string;
  task: string;
  environment: string;
  payload: unknown;
  description: string | null;
  production: boolean;
  creator: FakeUser;
  createdAt: string;
  /** The body it was created with (auto_merge, required_contexts...). */
  request: Record<string, unknown>;
}

export interface StoredStatus {
  id: number;
  deploymentId: number;
  state: string;
  description: string;
  environment: string;
  logUrl: string;
  environmentUrl: string;
  creator: FakeUser;
  createdAt: string;
}

export interface StoredComment {
  id: number;
  issue: number;
  body: string;
  user: FakeUser;
  createdAt: string;
  updatedAt: string;
  /** Times it was edited. */
  edits: number;
}

export interface RepoState {
  owner: string;
  name: string;
  defaultBranch: string;
  deployments: StoredDeployment[];
  statuses: StoredStatus[];
  comments: StoredComment[];
  pulls: StoredPull[];
}

const DEPLOYMENT_STATES = ['error', 'failure', 'inactive', 'in_progress', 'queued', 'pending', 'success'];
const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
const nodeId = (kind: string, id: number) => Buffer.from(`0${kind.length}:${kind}${id}`).toString('base64');

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly documentation = 'https://docs.github.com/rest',
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

let schemaCache: GraphQLSchema | undefined;
function graphqlSchema(): GraphQLSchema {
  return (schemaCache ??= buildClientSchema(githubSchema.json as unknown as IntrospectionQuery));
}

let examplesCache: Record<string, { value: unknown }> | undefined;
function example<T>(name: string): T {
  examplesCache ??= (
    JSON.parse(readFileSync(require.resolve('@octokit/openapi/generated/api.github.com.json'), 'utf8')) as {
      components: { examples: Record<string, { value: unknown }> };
    }
  ).components.examples;
  return structuredClone(examplesCache[name]!.value) as T;
}

export class FakeGitHub {
  readonly requests: RecordedRequest[] = [];
  /** GraphQL documents received, with the validation errors GitHub's schema found in each. */
  readonly graphql: Array<{ query: string; errors: string[] }> = [];
  readonly tokens = new Map<string, FakeToken>();
  /** Where clients reach the API (the front), for Link headers. */
  publicUrl = '';
  private readonly repos = new Map<string, RepoState>();
  private readonly failures: Array<{
    method: string;
    path: RegExp;
    status: number;
    left: number;
    message: string;
    headers: Record<string, string>;
  }> = [];
  private server: Server | undefined;
  private nextId = 1000;
  url = '';

  async start(): Promise<void> {
    graphqlSchema();
    example('deployment-simple-example');
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  addToken(token: string, options: Partial<FakeToken> = {}): void {
    this.tokens.set(token, {
      user: options.user ?? ACTIONS_BOT,
      installation: options.installation ?? true,
      permissions: options.permissions ?? { deployments: 'write', 'pull-requests': 'write', contents: 'write' },
    });
  }

  repo(fullName: string): RepoState {
    let repo = this.repos.get(fullName);
    if (!repo) {
      const [owner, name] = fullName.split('/') as [string, string];
      repo = { owner, name, defaultBranch: 'main', deployments: [], statuses: [], comments: [], pulls: [] };
      this.repos.set(fullName, repo);
    }
    return repo;
  }

  addPullRequest(fullName: string, pull: FakePullRequest): void {
    const id = this.nextId++;
    this.repo(fullName).pulls.push({ state: pull.mergeCommitSha ? 'closed' : 'open', ...pull, id, nodeId: `PR_kw${id}` });
  }

  /** A deployment recorded earlier (e.g. the promotion that is live), with its statuses in order. */
  addDeployment(
    fullName: string,
    deployment: { sha: string; environment: string; task: string; payload: unknown; states: string[] },
  ): StoredDeployment {
    const repo = this.repo(fullName);
    const stored: StoredDeployment = {
      id: this.nextId++,
      sha: deployment.sha,
      ref: deployment.sha,
      task: deployment.task,
      environment: deployment.environment,
      payload: deployment.payload,
      description: null,
      production: deployment.environment === 'production',
      creator: ACTIONS_BOT,
      createdAt: now(),
      request: {},
    };
    repo.deployments.push(stored);
    for (const state of deployment.states) {
      repo.statuses.push({
        id: this.nextId++,
        deploymentId: stored.id,
        state,
        description: state === 'success' ? 'promoted · 100%' : state,
        environment: stored.environment,
        logUrl: '',
        environmentUrl: '',
        creator: ACTIONS_BOT,
        createdAt: now(),
      });
    }
    return stored;
  }

  /** A comment someone else wrote (to check that Rollgate leaves it alone). */
  addComment(fullName: string, issue: number, body: string, user: FakeUser): StoredComment {
    const comment = { id: this.nextId++, issue, body, user, createdAt: now(), updatedAt: now(), edits: 0 };
    this.repo(fullName).comments.push(comment);
    return comment;
  }

  /** The next `times` requests matching answer `status` (a 5xx or a rate limit, to exercise retries). */
  failNext(
    method: string,
    path: RegExp,
    status: number,
    times = 1,
    answer: { message?: string; headers?: Record<string, string> } = {},
  ): void {
    this.failures.push({ method, path, status, left: times, message: answer.message ?? 'Server Error', headers: answer.headers ?? {} });
  }

  statusesOf(fullName: string, deploymentId: number): StoredStatus[] {
    return this.repo(fullName).statuses.filter((s) => s.deploymentId === deploymentId);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    let status = 500;
    try {
      const body = await readBody(req);
      const failure = this.failures.find((f) => f.left > 0 && f.method === method && f.path.test(url.pathname));
      if (failure) {
        failure.left -= 1;
        throw new HttpError(failure.status, failure.message, undefined, failure.headers);
      }
      const token = this.authenticate(req);
      const answer = url.pathname === '/graphql' ? this.graphqlRequest(token, body) : this.route(method, url, token, body);
      status = answer.status;
      res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', ...answer.headers });
      res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    } catch (error) {
      const http = error instanceof HttpError ? error : new HttpError(500, (error as Error).stack ?? String(error));
      status = http.status;
      res.writeHead(http.status, { 'content-type': 'application/json; charset=utf-8', ...http.headers });
      res.end(JSON.stringify({ message: http.message, documentation_url: http.documentation, status: String(http.status) }));
    } finally {
      this.requests.push({ method, path: url.pathname + url.search, status });
    }
  }

  private authenticate(req: IncomingMessage): FakeToken {
    const match = /^(?:token|bearer) (.+)$/i.exec(req.headers.authorization ?? '');
    const token = match ? this.tokens.get(match[1]!) : undefined;
    if (!token) throw new HttpError(401, 'Bad credentials', 'https://docs.github.com/rest');
    return token;
  }

  private need(token: FakeToken, permission: Permission, level: Level, documentation: string): void {
    const has = token.permissions[permission];
    if (!has || (level === 'write' && has !== 'write')) throw new HttpError(403, 'Resource not accessible by integration', documentation);
  }

  private route(method: string, url: URL, token: FakeToken, body: Record<string, unknown>): Answer {
    const path = url.pathname;
    let m: RegExpExecArray | null;
    if (method === 'GET' && path === '/user') {
      if (token.installation)
        throw new HttpError(
          403,
          'Resource not accessible by integration',
          'https://docs.github.com/rest/users/users#get-the-authenticated-user',
        );
      return { status: 200, body: this.privateUser(token.user) };
    }
    if ((m = /^\/repos\/([^/]+)\/([^/]+)\/(.+)$/.exec(path))) {
      const repo = this.repo(`${m[1]}/${m[2]}`);
      const rest = m[3]!;
      let r: RegExpExecArray | null;
      if (rest === 'deployments' && method === 'GET') {
        this.need(token, 'deployments', 'read', 'https://docs.github.com/rest/deployments/deployments#list-deployments');
        const q = url.searchParams;
        const list = repo.deployments
          .filter((d) => (!q.get('sha') || d.sha === q.get('sha')) && (!q.get('ref') || d.ref === q.get('ref')))
          .filter((d) => (!q.get('task') || d.task === q.get('task')) && (!q.get('environment') || d.environment === q.get('environment')))
          .sort((a, b) => b.id - a.id);
        return this.page(
          url,
          list.map((d) => this.deploymentJson(repo, d)),
        );
      }
      if (rest === 'deployments' && method === 'POST') {
        this.need(token, 'deployments', 'write', 'https://docs.github.com/rest/deployments/deployments#create-a-deployment');
        return { status: 201, body: this.createDeployment(repo, token, body) };
      }
      if ((r = /^deployments\/(\d+)\/statuses$/.exec(rest))) {
        const deployment = repo.deployments.find((d) => d.id === Number(r![1]));
        if (!deployment) throw new HttpError(404, 'Not Found', 'https://docs.github.com/rest/deployments/statuses');
        if (method === 'GET') {
          this.need(token, 'deployments', 'read', 'https://docs.github.com/rest/deployments/statuses#list-deployment-statuses');
          const list = repo.statuses.filter((s) => s.deploymentId === deployment.id).sort((a, b) => b.id - a.id);
          return this.page(
            url,
            list.map((s) => this.statusJson(repo, s)),
          );
        }
        if (method === 'POST') {
          this.need(token, 'deployments', 'write', 'https://docs.github.com/rest/deployments/statuses#create-a-deployment-status');
          return { status: 201, body: this.createStatus(repo, deployment, token, body) };
        }
      }
      if (rest === 'pulls' && method === 'GET') {
        this.need(token, 'pull-requests', 'read', 'https://docs.github.com/rest/pulls/pulls#list-pull-requests');
        const state = url.searchParams.get('state') ?? 'open';
        const pulls = repo.pulls.filter((p) => state === 'all' || (p.state ?? 'open') === state).sort((a, b) => b.number - a.number);
        return this.page(
          url,
          pulls.map((p) => this.pullJson(repo, p)),
        );
      }
      if ((r = /^commits\/([^/]+)\/pulls$/.exec(rest)) && method === 'GET') {
        this.need(
          token,
          'pull-requests',
          'read',
          'https://docs.github.com/rest/commits/commits#list-pull-requests-associated-with-a-commit',
        );
        const sha = r[1]!;
        const pulls = repo.pulls.filter((p) => p.headSha === sha || p.mergeCommitSha === sha);
        return this.page(
          url,
          pulls.map((p) => this.pullJson(repo, p)),
        );
      }
      if ((r = /^issues\/(\d+)\/comments$/.exec(rest))) {
        const issue = Number(r[1]);
        if (method === 'GET') {
          this.need(token, 'pull-requests', 'read', 'https://docs.github.com/rest/issues/comments#list-issue-comments');
          return this.page(
            url,
            repo.comments.filter((c) => c.issue === issue).map((c) => this.commentJson(repo, c)),
          );
        }
        if (method === 'POST') {
          this.need(token, 'pull-requests', 'write', 'https://docs.github.com/rest/issues/comments#create-an-issue-comment');
          const text = this.commentText(body);
          const comment = { id: this.nextId++, issue, body: text, user: token.user, createdAt: now(), updatedAt: now(), edits: 0 };
          repo.comments.push(comment);
          return {
            status: 201,
            body: this.commentJson(repo, comment),
            headers: { location: `${API}/repos/${repo.owner}/${repo.name}/issues/comments/${comment.id}` },
          };
        }
      }
      if ((r = /^issues\/comments\/(\d+)$/.exec(rest)) && method === 'PATCH') {
        this.need(token, 'pull-requests', 'write', 'https://docs.github.com/rest/issues/comments#update-an-issue-comment');
        const comment = repo.comments.find((c) => c.id === Number(r![1]));
        if (!comment) throw new HttpError(404, 'Not Found');
        comment.body = this.commentText(body);
        comment.updatedAt = now();
        comment.edits += 1;
        return { status: 200, body: this.commentJson(repo, comment) };
      }
    }
    throw new HttpError(404, `Not Found (the fake has no ${method} ${path})`);
  }

  private commentText(body: Record<string, unknown>): string {
    const text = body.body;
    if (typeof text !== 'string' || !text) throw new HttpError(422, 'Validation Failed');
    if (text.length > 65_536) throw new HttpError(422, 'Validation Failed: body is too long (maximum is 65536 characters)');
    return text;
  }

  private createDeployment(repo: RepoState, token: FakeToken, body: Record<string, unknown>): unknown {
    const ref = body.ref;
    if (typeof ref !== 'string' || !/^[0-9a-f]{40}$/.test(ref)) throw new HttpError(422, `No ref found for: ${String(ref)}`);
    const environment = typeof body.environment === 'string' ? body.environment : 'production';
    const deployment: StoredDeployment = {
      id: this.nextId++,
      sha: ref,
      ref,
      task: typeof body.task === 'string' ? body.task : 'deploy',
      environment,
      payload: typeof body.payload === 'string' ? (body.payload ? JSON.parse(body.payload) : {}) : (body.payload ?? {}),
      description: typeof body.description === 'string' ? body.description : null,
      production: typeof body.production_environment === 'boolean' ? body.production_environment : environment === 'production',
      creator: token.user,
      createdAt: now(),
      request: body,
    };
    repo.deployments.push(deployment);
    return this.deploymentJson(repo, deployment);
  }

  private createStatus(repo: RepoState, deployment: StoredDeployment, token: FakeToken, body: Record<string, unknown>): unknown {
    const state = String(body.state);
    if (!DEPLOYMENT_STATES.includes(state)) throw new HttpError(422, 'Validation Failed');
    const description = typeof body.description === 'string' ? body.description : '';
    if (description.length > 140) throw new HttpError(422, 'Validation Failed: description is too long (maximum is 140 characters)');
    if (typeof body.environment === 'string') deployment.environment = body.environment;
    const status: StoredStatus = {
      id: this.nextId++,
      deploymentId: deployment.id,
      state,
      description,
      environment: deployment.environment,
      logUrl: typeof body.log_url === 'string' ? body.log_url : '',
      environmentUrl: typeof body.environment_url === 'string' ? body.environment_url : '',
      creator: token.user,
      createdAt: now(),
    };
    // auto_inactive (default true): earlier successful deployments of a non-production environment go inactive.
    if (state === 'success' && body.auto_inactive !== false && !deployment.production) {
      for (const other of repo.deployments.filter((d) => d.id !== deployment.id && d.environment === deployment.environment)) {
        const latest = repo.statuses.filter((s) => s.deploymentId === other.id).at(-1);
        if (latest?.state === 'success') repo.statuses.push({ ...latest, id: this.nextId++, state: 'inactive', createdAt: now() });
      }
    }
    repo.statuses.push(status);
    return this.statusJson(repo, status);
  }

  private graphqlRequest(token: FakeToken, body: Record<string, unknown>): Answer {
    const query = String(body.query ?? '');
    const schema = graphqlSchema();
    let document;
    try {
      document = parse(query);
    } catch (error) {
      this.graphql.push({ query, errors: [(error as Error).message] });
      return { status: 200, body: { errors: [{ message: (error as Error).message }] } };
    }
    const errors = validate(schema, document).map((e) => e.message);
    this.graphql.push({ query, errors });
    if (errors.length) return { status: 200, body: { errors: errors.map((message) => ({ message })) } };
    const repoOf = (pull: string) => [...this.repos.values()].find((r) => r.pulls.some((p) => p.nodeId === pull));
    const rootValue = {
      // GitHub answers `viewer` for every token: a person's login, or an app's `slug[bot]` (the job token: github-actions[bot]).
      viewer: () => ({ login: token.user.login, databaseId: token.user.id }),
      revertPullRequest: ({ input }: { input: { pullRequestId: string; title?: string; body?: string } }) => {
        if (token.permissions.contents !== 'write' || token.permissions['pull-requests'] !== 'write') {
          throw Object.assign(new Error('Resource not accessible by integration'), { extensions: { type: 'FORBIDDEN' } });
        }
        const repo = repoOf(input.pullRequestId);
        const original = repo?.pulls.find((p) => p.nodeId === input.pullRequestId);
        if (!repo || !original) throw new Error(`Could not resolve to a node with the global id of '${input.pullRequestId}'`);
        if (!original.mergeCommitSha) throw new Error('Pull request is not merged');
        const number = Math.max(0, ...repo.pulls.map((p) => p.number)) + 1;
        const id = this.nextId++;
        const revert: StoredPull = {
          number,
          id,
          nodeId: `PR_kw${id}`,
          headSha: 'f'.repeat(40),
          headRef: `revert-${original.number}-${original.headRef}`,
          baseRef: original.baseRef,
          state: 'open',
          title: input.title ?? `Revert "${original.title ?? original.headRef}"`,
          revertOf: original.number,
        };
        repo.pulls.push(revert);
        const url = `${WEB}/${repo.owner}/${repo.name}/pull/${number}`;
        return {
          pullRequest: { number: original.number, url: `${WEB}/${repo.owner}/${repo.name}/pull/${original.number}` },
          revertPullRequest: { number, url },
        };
      },
    };
    const result = execute({ schema, document, rootValue, variableValues: (body.variables as Record<string, unknown>) ?? {} }) as {
      data?: unknown;
      errors?: ReadonlyArray<{ message: string; originalError?: { extensions?: { type?: string } } }>;
    };
    return {
      status: 200,
      body: {
        data: result.data ?? null,
        ...(result.errors
          ? {
              errors: result.errors.map((e) => ({
                message: e.message,
                ...(e.originalError?.extensions?.type ? { type: e.originalError.extensions.type } : {}),
              })),
            }
          : {}),
      },
    };
  }

  /** A page of a list, with GitHub's Link header when more follow. */
  private page(url: URL, items: unknown[]): Answer {
    const perPage = Math.min(100, Number(url.searchParams.get('per_page') ?? 30));
    const page = Math.max(1, Number(url.searchParams.get('page') ?? 1));
    const slice = items.slice((page - 1) * perPage, page * perPage);
    const headers: Record<string, string> = {};
    if (page * perPage < items.length) {
      const next = new URL(url.pathname + url.search, this.publicUrl || this.url);
      next.searchParams.set('page', String(page + 1));
      headers.link = `<${next.toString()}>; rel="next"`;
    }
    return { status: 200, body: slice, headers };
  }

  private user(user: FakeUser): Record<string, unknown> {
    const base = example<{ creator: Record<string, unknown> }>('deployment-simple-example').creator;
    const text = JSON.stringify(base).replaceAll('octocat', encodeURIComponent(user.login));
    return {
      ...(JSON.parse(text) as Record<string, unknown>),
      login: user.login,
      id: user.id,
      node_id: nodeId(user.type, user.id),
      type: user.type,
      site_admin: false,
    };
  }

  private privateUser(user: FakeUser): unknown {
    return { ...example<Record<string, unknown>>('private-user-response-with-public-and-private-profile-information'), ...this.user(user) };
  }

  private deploymentJson(repo: RepoState, d: StoredDeployment): unknown {
    const base = `${API}/repos/${repo.owner}/${repo.name}`;
    return {
      ...example<Record<string, unknown>>('deployment-simple-example'),
      url: `${base}/deployments/${d.id}`,
      id: d.id,
      node_id: nodeId('Deployment', d.id),
      sha: d.sha,
      ref: d.ref,
      task: d.task,
      payload: d.payload,
      original_environment: d.environment,
      environment: d.environment,
      description: d.description,
      creator: this.user(d.creator),
      created_at: d.createdAt,
      updated_at: d.createdAt,
      statuses_url: `${base}/deployments/${d.id}/statuses`,
      repository_url: base,
      transient_environment: false,
      production_environment: d.production,
    };
  }

  private statusJson(repo: RepoState, s: StoredStatus): unknown {
    const base = `${API}/repos/${repo.owner}/${repo.name}`;
    return {
      ...example<Record<string, unknown>>('deployment-status'),
      url: `${base}/deployments/${s.deploymentId}/statuses/${s.id}`,
      id: s.id,
      node_id: nodeId('DeploymentStatus', s.id),
      state: s.state,
      creator: this.user(s.creator),
      description: s.description,
      environment: s.environment,
      target_url: s.logUrl || `${base}/deployments/${s.deploymentId}`,
      // Unset URLs are left out: the description types them as URIs, which "" is not.
      log_url: s.logUrl || undefined,
      environment_url: s.environmentUrl || undefined,
      created_at: s.createdAt,
      updated_at: s.createdAt,
      deployment_url: `${base}/deployments/${s.deploymentId}`,
      repository_url: base,
    };
  }

  private commentJson(repo: RepoState, c: StoredComment): unknown {
    const base = `${API}/repos/${repo.owner}/${repo.name}`;
    return {
      ...example<Record<string, unknown>>('issue-comment'),
      id: c.id,
      node_id: nodeId('IssueComment', c.id),
      url: `${base}/issues/comments/${c.id}`,
      html_url: `${WEB}/${repo.owner}/${repo.name}/pull/${c.issue}#issuecomment-${c.id}`,
      body: c.body,
      user: this.user(c.user),
      created_at: c.createdAt,
      updated_at: c.updatedAt,
      issue_url: `${base}/issues/${c.issue}`,
      author_association: c.user.type === 'Bot' ? 'NONE' : 'MEMBER',
    };
  }

  private pullJson(repo: RepoState, p: StoredPull): unknown {
    const base = `${API}/repos/${repo.owner}/${repo.name}`;
    const pull = example<Array<Record<string, unknown>>>('pull-request-simple-items')[0]!;
    const head = pull.head as Record<string, unknown>;
    const baseBranch = pull.base as Record<string, unknown>;
    return {
      ...pull,
      url: `${base}/pulls/${p.number}`,
      id: p.id,
      node_id: p.nodeId,
      html_url: `${WEB}/${repo.owner}/${repo.name}/pull/${p.number}`,
      number: p.number,
      state: p.state ?? 'open',
      title: p.title ?? `Change ${p.number}`,
      merged_at: p.mergeCommitSha ? now() : null,
      closed_at: p.state === 'closed' ? now() : null,
      merge_commit_sha: p.mergeCommitSha ?? null,
      // GitHub's own example lists a team without its required `type`; nobody is requested here.
      requested_teams: [],
      requested_reviewers: [],
      head: { ...head, sha: p.headSha, ref: p.headRef, label: `${repo.owner}:${p.headRef}` },
      base: { ...baseBranch, ref: p.baseRef, label: `${repo.owner}:${p.baseRef}` },
    };
  }
}

interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  if (!chunks.length) return {};
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new HttpError(400, 'Problems parsing JSON');
  }
}
