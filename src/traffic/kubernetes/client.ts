// The Kubernetes API as the kubernetes providers use it: the official @kubernetes/client-node (1.x:
// 2.x needs Node >= 22.19 and the action also runs on Node 20), loaded only when a Kubernetes
// provider runs. Credentials as users have them: a kubeconfig (the spec's path, else $KUBECONFIG,
// else ~/.kube/config) with its context, exec credential plugins (aws eks get-token,
// gke-gcloud-auth-plugin, kubelogin) run by the client, or the in-cluster service account.
// Writes are server-side apply with Rollgate's own field manager, so GitOps tools see who owns what.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { ProviderEnv } from '../../ports.js';

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
    managedFields?: Array<{ manager?: string; operation?: string; time?: string | Date; fieldsV1?: Record<string, unknown> }>;
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
};
export type Connection = { namespace?: string; kubeconfig?: string; context?: string; fieldManager: string };

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
  /** Deletes; true if it existed. */
  delete(apiVersion: string, kind: string, name: string): Promise<boolean>;
}

export async function connect(spec: Connection, env: ProviderEnv): Promise<KubeClient> {
  // The three modules used, not the package index: it re-exports every generated API (a chunk of
  // 15.9 MB instead of a few).
  const [{ KubeConfig }, { KubernetesObjectApi }, { PatchStrategy }] = await Promise.all([
    import('@kubernetes/client-node/dist/config.js'),
    import('@kubernetes/client-node/dist/object.js'),
    import('@kubernetes/client-node/dist/patch.js'),
  ]);
  const k8s = { KubeConfig, KubernetesObjectApi, PatchStrategy };
  const config = new k8s.KubeConfig();
  const files = (spec.kubeconfig ?? env.env.KUBECONFIG ?? '').split(':').filter(Boolean);
  const home = env.env.HOME ? join(env.env.HOME, '.kube', 'config') : undefined;
  if (!files.length && home && existsSync(home)) files.push(home);
  if (files.length) {
    for (const [i, file] of files.entries()) {
      const path = file.startsWith('/') ? file : join(env.cwd, file);
      if (!existsSync(path)) throw new Error(`kubeconfig ${file} does not exist`);
      if (i === 0) config.loadFromFile(path);
      else {
        const more = new k8s.KubeConfig();
        more.loadFromFile(path);
        config.mergeConfig(more, true);
      }
    }
  } else if (env.env.KUBERNETES_SERVICE_HOST) {
    config.loadFromCluster();
  } else {
    throw new Error('no Kubernetes credentials: set KUBECONFIG (or traffic.kubeconfig), or run inside a cluster');
  }
  if (spec.context) {
    if (!config.getContextObject(spec.context))
      throw new Error(
        `kubeconfig has no context "${spec.context}" (contexts: ${config
          .getContexts()
          .map((c) => c.name)
          .join(', ')})`,
      );
    config.setCurrentContext(spec.context);
  }
  const namespace = spec.namespace ?? config.getContextObject(config.getCurrentContext())?.namespace ?? 'default';
  const api = k8s.KubernetesObjectApi.makeApiClient(config);
  const ref = (apiVersion: string, kind: string, name: string) => ({ apiVersion, kind, metadata: { name, namespace } });
  // Class instances (Dates in timestamps) back to plain JSON, as the apiserver wrote it.
  const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

  return {
    namespace,
    fieldManager: spec.fieldManager,
    async read(apiVersion, kind, name) {
      try {
        return plain((await api.read(ref(apiVersion, kind, name))) as KubeObject);
      } catch (error) {
        const e = explain(error, `get ${kind} ${namespace}/${name}`);
        if (e.code === 404 && e.reason === 'NotFound') return undefined;
        throw e;
      }
    },
    async list(apiVersion, kind, labelSelector) {
      try {
        const list = await api.list(apiVersion, kind, namespace, undefined, undefined, undefined, undefined, labelSelector);
        return plain(list.items as KubeObject[]);
      } catch (error) {
        throw explain(error, `list ${kind} in ${namespace}`);
      }
    },
    async apply(object, force) {
      const body = { ...object, metadata: { ...object.metadata, namespace } };
      try {
        return plain(
          (await api.patch(
            body as unknown as Parameters<typeof api.patch>[0],
            undefined,
            undefined,
            spec.fieldManager,
            force,
            k8s.PatchStrategy.ServerSideApply,
          )) as KubeObject,
        );
      } catch (error) {
        throw explain(error, `apply ${object.kind} ${namespace}/${object.metadata.name}`);
      }
    },
    async delete(apiVersion, kind, name) {
      try {
        await api.delete(ref(apiVersion, kind, name));
        return true;
      } catch (error) {
        const e = explain(error, `delete ${kind} ${namespace}/${name}`);
        if (e.code === 404) return false;
        throw e;
      }
    },
  };
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
