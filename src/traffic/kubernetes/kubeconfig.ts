// Kubernetes credentials as users have them, read the way kubectl reads them: kubeconfig files
// ($KUBECONFIG's list, merged with the first file winning each name), a context, and per user a
// bearer token (inline or a file), a client certificate, basic auth or an exec credential plugin
// (aws eks get-token, gke-gcloud-auth-plugin, kubelogin); else the in-cluster service account.
// Hand-written instead of @kubernetes/client-node's KubeConfig: that module pulls the whole
// generated API (a 3.6 MB chunk) into the bundle for these ~200 lines.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { parse } from 'yaml';

/** How to reach and authenticate to one apiserver. */
export interface Cluster {
  server: string;
  namespace?: string;
  ca?: Buffer;
  insecure: boolean;
  serverName?: string;
  /** Headers and TLS client credentials for the next request (an exec plugin may run, once per expiry). */
  credentials(): Promise<{ authorization?: string; cert?: Buffer; key?: Buffer }>;
}

type Named<T> = { name?: string } & T;
type ClusterEntry = Named<{ cluster?: Record<string, unknown> }>;
type UserEntry = Named<{ user?: Record<string, unknown> }>;
type ContextEntry = Named<{ context?: { cluster?: string; user?: string; namespace?: string } }>;
type ExecConfig = { command?: string; args?: string[]; env?: Array<{ name: string; value: string }>; apiVersion?: string };

/** The merged kubeconfig: each entry keeps the directory of the file it came from (relative paths). */
export interface KubeConfigFile {
  currentContext?: string;
  contexts: Map<string, ContextEntry['context'] & object>;
  clusters: Map<string, { dir: string; cluster: Record<string, unknown> }>;
  users: Map<string, { dir: string; user: Record<string, unknown> }>;
}

export function readKubeconfigs(paths: string[]): KubeConfigFile {
  const merged: KubeConfigFile = { contexts: new Map(), clusters: new Map(), users: new Map() };
  for (const path of paths) {
    if (!existsSync(path)) throw new Error(`kubeconfig ${path} does not exist`);
    let doc: { 'current-context'?: string; clusters?: ClusterEntry[]; users?: UserEntry[]; contexts?: ContextEntry[] };
    try {
      doc = (parse(readFileSync(path, 'utf8')) ?? {}) as typeof doc;
    } catch (error) {
      throw new Error(`kubeconfig ${path} is not YAML: ${(error as Error).message.split('\n')[0]}`);
    }
    const dir = dirname(path);
    merged.currentContext ??= doc['current-context'] || undefined;
    for (const c of doc.clusters ?? [])
      if (c.name && !merged.clusters.has(c.name)) merged.clusters.set(c.name, { dir, cluster: c.cluster ?? {} });
    for (const u of doc.users ?? []) if (u.name && !merged.users.has(u.name)) merged.users.set(u.name, { dir, user: u.user ?? {} });
    for (const x of doc.contexts ?? []) if (x.name && !merged.contexts.has(x.name)) merged.contexts.set(x.name, x.context ?? {});
  }
  return merged;
}

/** The cluster of a context (default: current-context) of the merged kubeconfig. */
export function fromKubeconfig(config: KubeConfigFile, contextName: string | undefined, env: Record<string, string | undefined>): Cluster {
  const name = contextName ?? config.currentContext;
  if (!name) throw new Error('kubeconfig has no current-context: set traffic.context');
  const context = config.contexts.get(name);
  if (!context) throw new Error(`kubeconfig has no context "${name}" (contexts: ${[...config.contexts.keys()].join(', ')})`);
  const entry = context.cluster ? config.clusters.get(context.cluster) : undefined;
  if (!entry) throw new Error(`kubeconfig context "${name}" names cluster "${context.cluster ?? ''}", which it does not define`);
  const cluster = entry.cluster;
  const server = str(cluster.server);
  if (!server) throw new Error(`kubeconfig cluster "${context.cluster}" has no server`);
  const user = context.user ? config.users.get(context.user) : undefined;
  if (context.user && !user) throw new Error(`kubeconfig context "${name}" names user "${context.user}", which it does not define`);
  return {
    server: server.replace(/\/+$/, ''),
    namespace: context.namespace || undefined,
    ca: bytes(cluster['certificate-authority-data'], cluster['certificate-authority'], entry.dir),
    insecure: cluster['insecure-skip-tls-verify'] === true,
    serverName: str(cluster['tls-server-name']),
    credentials: user ? userCredentials(context.user!, user.user, user.dir, env) : async () => ({}),
  };
}

const SERVICE_ACCOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The pod's service account, as in-cluster clients use it (the token is re-read: it is rotated). */
export function inCluster(env: Record<string, string | undefined>, root = SERVICE_ACCOUNT): Cluster {
  const host = env.KUBERNETES_SERVICE_HOST!;
  const namespaceFile = join(root, 'namespace');
  return {
    server: `https://${host.includes(':') ? `[${host}]` : host}:${env.KUBERNETES_SERVICE_PORT ?? '443'}`,
    namespace: existsSync(namespaceFile) ? readFileSync(namespaceFile, 'utf8').trim() : undefined,
    ca: readFileSync(join(root, 'ca.crt')),
    insecure: false,
    credentials: async () => ({ authorization: `Bearer ${readFileSync(join(root, 'token'), 'utf8').trim()}` }),
  };
}

function userCredentials(
  name: string,
  user: Record<string, unknown>,
  dir: string,
  env: Record<string, string | undefined>,
): Cluster['credentials'] {
  const cert = bytes(user['client-certificate-data'], user['client-certificate'], dir);
  const key = bytes(user['client-key-data'], user['client-key'], dir);
  if (user['auth-provider'])
    throw new Error(`kubeconfig user "${name}" uses an auth-provider, which kubectl removed: use its exec credential plugin instead`);
  if (user.exec) return execCredentials(name, user.exec as ExecConfig, dir, env, { cert, key });
  const token = str(user.token);
  const tokenFile = str(user.tokenFile);
  const basic =
    str(user.username) !== undefined
      ? `Basic ${Buffer.from(`${str(user.username)}:${str(user.password) ?? ''}`).toString('base64')}`
      : undefined;
  return async () => ({
    authorization: token ? `Bearer ${token}` : tokenFile ? `Bearer ${readFileSync(resolvePath(tokenFile, dir), 'utf8').trim()}` : basic,
    cert,
    key,
  });
}

/** Runs the plugin (no shell) and keeps its credential until it expires. */
function execCredentials(
  name: string,
  exec: ExecConfig,
  dir: string,
  env: Record<string, string | undefined>,
  tls: { cert?: Buffer; key?: Buffer },
): Cluster['credentials'] {
  if (!exec.command) throw new Error(`kubeconfig user "${name}" has an exec plugin without a command`);
  const command = exec.command.includes('/') ? resolvePath(exec.command, dir) : exec.command;
  let cached: { value: Awaited<ReturnType<Cluster['credentials']>>; until: number } | undefined;
  return async () => {
    if (cached && Date.now() < cached.until) return cached.value;
    const info = { apiVersion: exec.apiVersion ?? 'client.authentication.k8s.io/v1', kind: 'ExecCredential', spec: { interactive: false } };
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        command,
        exec.args ?? [],
        {
          env: {
            ...env,
            ...Object.fromEntries((exec.env ?? []).map((e) => [e.name, e.value])),
            KUBERNETES_EXEC_INFO: JSON.stringify(info),
          },
          timeout: 60_000,
          maxBuffer: 1024 * 1024,
        },
        (error, out, err) =>
          error
            ? reject(
                new Error(
                  `the exec credential plugin of kubeconfig user "${name}" (${exec.command}) failed: ${String(err || error.message)
                    .trim()
                    .slice(0, 500)}`,
                ),
              )
            : resolve(out),
      );
    });
    let status: { token?: string; clientCertificateData?: string; clientKeyData?: string; expirationTimestamp?: string };
    try {
      status = (JSON.parse(stdout) as { status?: typeof status }).status ?? {};
    } catch {
      throw new Error(`the exec credential plugin of kubeconfig user "${name}" (${exec.command}) printed no ExecCredential JSON`);
    }
    const value = {
      authorization: status.token ? `Bearer ${status.token}` : undefined,
      cert: status.clientCertificateData ? Buffer.from(status.clientCertificateData) : tls.cert,
      key: status.clientKeyData ? Buffer.from(status.clientKeyData) : tls.key,
    };
    // Without an expiry a credential is reused for the run; with one, renewed a minute early.
    const expires = status.expirationTimestamp ? Date.parse(status.expirationTimestamp) - 60_000 : Infinity;
    cached = { value, until: Number.isNaN(expires) ? 0 : expires };
    return value;
  };
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
function resolvePath(path: string, dir: string): string {
  return isAbsolute(path) ? path : join(dir, path);
}
/** Inline base64 data, else a file relative to the kubeconfig's directory. */
function bytes(data: unknown, file: unknown, dir: string): Buffer | undefined {
  if (str(data)) return Buffer.from(str(data)!, 'base64');
  if (str(file)) return readFileSync(resolvePath(str(file)!, dir));
  return undefined;
}
