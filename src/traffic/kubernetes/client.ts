// The Kubernetes API as the kubernetes providers use it: five verbs over the apiserver's REST
// protocol (kinds found by discovery, as kubectl finds them), credentials from kubeconfig.ts.
// Writes are server-side apply with Rollgate's own field manager, so GitOps tools see who owns what.
// Not @kubernetes/client-node: its object API and config pull every generated model (3.6 MB).
import { existsSync } from 'node:fs';
import plainHttp from 'node:http';
import https from 'node:https';
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { durationAtLeast } from '../../config/common.js';
import { formatDuration, parseDuration } from '../../config/duration.js';
import type { ProviderEnv } from '../../ports.js';
import { fromKubeconfig, inCluster, readKubeconfigs, type Cluster } from './kubeconfig.js';

export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    resourceVersion?: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    managedFields?: Array<{ manager?: string; operation?: string; time?: string; fieldsV1?: Record<string, unknown> }>;
    [key: string]: unknown;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  [key: string]: unknown;
};

// A DNS-1123 name or label value: what every object name Rollgate reads or writes must be.
export const kubeName = z
  .string()
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { error: 'expected a Kubernetes name: lower-case letters, digits, "-" and "."' });

/** The connection fields every Kubernetes provider has. */
export const connection = {
  namespace: kubeName.optional().describe('Namespace of the objects; default: the kubeconfig context\'s namespace, else "default".'),
  kubeconfig: z
    .string()
    .min(1)
    .optional()
    .describe('Path of a kubeconfig; default: $KUBECONFIG, else ~/.kube/config, else the in-cluster service account.'),
  context: z.string().min(1).optional().describe('kubeconfig context to use; default: its current-context.'),
  fieldManager: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/)
    .default('rollgate')
    .describe("Field manager of Rollgate's server-side applies (GitOps settings refer to it)."),
  requestTimeout: durationAtLeast('100ms')
    .default('30s')
    .describe('Deadline of each apiserver request, from connect to the last byte; an apiserver that misses it counts as down.'),
};
export type Connection = { namespace?: string; kubeconfig?: string; context?: string; fieldManager: string; requestTimeout?: string };

/** An answer of the apiserver that is not a success, with its own words. */
export class KubeError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly reason?: string,
  ) {
    super(message);
  }
}

export interface KubeClient {
  namespace: string;
  fieldManager: string;
  /** The object, or undefined when it does not exist. */
  read(apiVersion: string, kind: string, name: string): Promise<KubeObject | undefined>;
  list(apiVersion: string, kind: string, labelSelector?: string): Promise<KubeObject[]>;
  /** Server-side apply as Rollgate's field manager (force: take fields over from other managers). */
  apply(object: KubeObject, force: boolean): Promise<KubeObject>;
  /** Replaces the whole object (PUT), conditional on its metadata.resourceVersion. */
  replace(object: KubeObject): Promise<KubeObject>;
  /** Deletes; true if it existed. */
  delete(apiVersion: string, kind: string, name: string): Promise<boolean>;
}

export async function connect(spec: Connection, env: ProviderEnv): Promise<KubeClient> {
  const files = (spec.kubeconfig ?? env.env.KUBECONFIG ?? '')
    .split(':')
    .filter(Boolean)
    .map((file) => (isAbsolute(file) ? file : join(env.cwd, file)));
  const home = env.env.HOME ? join(env.env.HOME, '.kube', 'config') : undefined;
  if (!files.length && home && existsSync(home)) files.push(home);
  let cluster: Cluster;
  if (files.length) cluster = fromKubeconfig(readKubeconfigs(files), spec.context, env.env);
  else if (spec.context) throw new Error(`traffic.context "${spec.context}" needs a kubeconfig: set KUBECONFIG or traffic.kubeconfig`);
  else if (env.env.KUBERNETES_SERVICE_HOST) cluster = inCluster(env.env);
  else throw new Error('no Kubernetes credentials: set KUBECONFIG (or traffic.kubeconfig), or run inside a cluster');
  const namespace = spec.namespace ?? cluster.namespace ?? 'default';
  // A kubeconfig's (or the pod's) namespace becomes a path segment too: it must be a Kubernetes name.
  if (!kubeName.safeParse(namespace).success)
    throw new Error(`namespace ${JSON.stringify(namespace.slice(0, 80))} is not a Kubernetes name`);
  const deadlineMs = parseDuration(spec.requestTimeout ?? '30s')!;
  const http = (method: string, path: string, body?: { type: string; text: string }) => request(cluster, deadlineMs, method, path, body);
  const resources = new Map<string, Promise<{ name: string; namespaced: boolean }>>();
  // The resource (httproutes...) of a kind, from the apiserver's discovery, as kubectl finds it.
  const resource = (apiVersion: string, kind: string) => {
    const key = `${apiVersion}/${kind}`;
    if (!resources.has(key)) {
      const found = http('GET', apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`).then((list) => {
        const r = (list as { resources?: Array<{ name: string; kind: string; namespaced: boolean }> }).resources?.find(
          (x) => x.kind === kind && !x.name.includes('/'),
        );
        if (!r) throw new KubeError(404, `the server has no ${kind} in ${apiVersion} (is its CRD installed?)`, 'NotFound');
        return r;
      });
      resources.set(key, found);
      found.catch(() => resources.delete(key));
    }
    return resources.get(key)!;
  };
  const path = async (apiVersion: string, kind: string, name?: string, query?: Record<string, string | undefined>) => {
    const r = await resource(apiVersion, kind);
    const base = `${apiVersion.includes('/') ? '/apis' : '/api'}/${apiVersion}${r.namespaced ? `/namespaces/${namespace}` : ''}/${r.name}`;
    const q = new URLSearchParams(Object.entries(query ?? {}).filter((e): e is [string, string] => e[1] !== undefined));
    return `${base}${name ? `/${encodeURIComponent(name)}` : ''}${q.size ? `?${q}` : ''}`;
  };

  return {
    namespace,
    fieldManager: spec.fieldManager,
    async read(apiVersion, kind, name) {
      try {
        return (await http('GET', await path(apiVersion, kind, name))) as KubeObject;
      } catch (error) {
        const e = explain(error, `get ${kind} ${namespace}/${name}`);
        if (e.code === 404 && e.reason === 'NotFound') return undefined;
        throw e;
      }
    },
    async list(apiVersion, kind, labelSelector) {
      try {
        return ((await http('GET', await path(apiVersion, kind, undefined, { labelSelector }))) as { items?: KubeObject[] }).items ?? [];
      } catch (error) {
        throw explain(error, `list ${kind} in ${namespace}`);
      }
    },
    async apply(object, force) {
      const body = { ...object, metadata: { ...object.metadata, namespace } };
      try {
        const target = await path(object.apiVersion, object.kind, object.metadata.name, {
          fieldManager: spec.fieldManager,
          force: force ? 'true' : undefined,
        });
        return (await http('PATCH', target, { type: 'application/apply-patch+yaml', text: JSON.stringify(body) })) as KubeObject;
      } catch (error) {
        throw explain(error, `apply ${object.kind} ${namespace}/${object.metadata.name}`);
      }
    },
    async replace(object) {
      const body = { ...object, metadata: { ...object.metadata, namespace } };
      try {
        const target = await path(object.apiVersion, object.kind, object.metadata.name, { fieldManager: spec.fieldManager });
        return (await http('PUT', target, { type: 'application/json', text: JSON.stringify(body) })) as KubeObject;
      } catch (error) {
        throw explain(error, `replace ${object.kind} ${namespace}/${object.metadata.name}`);
      }
    },
    async delete(apiVersion, kind, name) {
      try {
        await http('DELETE', await path(apiVersion, kind, name));
        return true;
      } catch (error) {
        const e = explain(error, `delete ${kind} ${namespace}/${name}`);
        if (e.code === 404) return false;
        throw e;
      }
    },
  };
}

const MAX_BODY = 16 * 1024 * 1024;

/**
 * One HTTPS request; a non-2xx answer throws { code, body } for explain(). `deadlineMs` bounds the
 * whole exchange (a socket idle timeout alone would let a trickling apiserver hold a rollout forever).
 */
async function request(
  cluster: Cluster,
  deadlineMs: number,
  method: string,
  path: string,
  body?: { type: string; text: string },
): Promise<unknown> {
  const url = new URL(cluster.server + path);
  const { authorization, cert, key } = await cluster.credentials();
  const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'rollgate' };
  if (authorization) headers.authorization = authorization;
  if (body) headers['content-type'] = body.type;
  const options: https.RequestOptions = {
    method,
    headers,
    ca: cluster.ca,
    cert,
    key,
    rejectUnauthorized: !cluster.insecure,
    servername: cluster.serverName,
  };
  return new Promise((settle, fail) => {
    // Called only once the request is under way, after `deadline` below is set.
    const resolve = (value: unknown) => (clearTimeout(deadline), settle(value));
    const reject = (error: unknown) => (clearTimeout(deadline), fail(error));
    const req = (url.protocol === 'http:' ? plainHttp : https).request(url, options, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY) req.destroy(new Error(`the apiserver's answer to ${method} ${url.pathname} exceeds ${MAX_BODY} bytes`));
        else chunks.push(chunk);
      });
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          // not JSON: keep the text for the error
        }
        const code = res.statusCode ?? 0;
        if (code >= 200 && code < 300) resolve(parsed);
        else reject(Object.assign(new Error(`HTTP ${code}`), { code, body: parsed }));
      });
      res.on('error', reject);
    });
    const deadline = setTimeout(
      () => req.destroy(new Error(`the apiserver did not answer ${method} ${url.pathname} within ${formatDuration(deadlineMs)}`)),
      deadlineMs,
    );
    req.on('error', reject);
    req.end(body?.text);
  });
}

/** The apiserver's Status message, with what to do about a 403. */
export function explain(error: unknown, doing: string): KubeError {
  const e = error as { code?: number; body?: unknown; message?: string };
  if (typeof e.code !== 'number') return new KubeError(0, `cannot ${doing}: ${e.message ?? String(error)}`);
  let body = e.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      // not JSON: keep the text
    }
  }
  const status = (typeof body === 'object' && body ? body : {}) as { message?: string; reason?: string };
  const message = status.message ?? (typeof body === 'string' && body ? body : `HTTP ${e.code}`);
  const hint =
    e.code === 403
      ? " — Rollgate's identity lacks this permission; the Role it needs is in docs/kubernetes.md#rbac"
      : e.code === 401
        ? ' — the credentials were refused (expired token? wrong kubeconfig context?)'
        : '';
  return new KubeError(e.code, `cannot ${doing}: ${message}${hint}`, status.reason);
}

/**
 * Runs a read-decide-write again when its write, conditional on the resourceVersion read, met a
 * newer object. Controllers write status all the time (a gateway accepting the last change bumps the
 * resourceVersion too), so one lost race is routine; the attempt re-reads, and its drift check sees
 * any change of the fields Rollgate owns. Writes here are forced applies: their only 409 is this one.
 */
export async function retryConflicts<T>(attempt: () => Promise<T>, tries = 5): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (n >= tries || !(error instanceof KubeError && error.code === 409 && error.reason === 'Conflict')) throw error;
    }
  }
}

/** Who last changed a field under `path` (f:spec, f:rules...) other than `self`, from managedFields. */
export function lastOtherManager(object: KubeObject, path: string[], self: string): string | undefined {
  const entries = (object.metadata.managedFields ?? []).filter((m) => m.manager !== self && owns(m.fieldsV1, path));
  entries.sort((a, b) => String(b.time ?? '').localeCompare(String(a.time ?? '')));
  const last = entries[0];
  return last ? `"${last.manager}" (${last.operation ?? 'Update'}${last.time ? ` at ${String(last.time)}` : ''})` : undefined;
}

function owns(fields: Record<string, unknown> | undefined, path: string[]): boolean {
  let node: unknown = fields;
  for (const segment of path) {
    if (typeof node !== 'object' || node === null) return false;
    node = (node as Record<string, unknown>)[`f:${segment}`];
    if (node === undefined) return false;
  }
  return true;
}
