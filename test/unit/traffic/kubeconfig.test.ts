// Kubernetes credentials read as kubectl reads them: merged files, relative paths, every user kind,
// exec plugins with expiry, the in-cluster service account.
import { chmod, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { fromKubeconfig, inCluster, readKubeconfigs } from '../../../src/traffic/kubernetes/kubeconfig.js';
import { connect } from '../../../src/traffic/kubernetes/client.js';

async function dir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'rollgate-kubeconfig-'));
}
const config = (clusters: object[], users: object[], contexts: object[], current?: string) =>
  stringify({ apiVersion: 'v1', kind: 'Config', clusters, users, contexts, 'current-context': current });

describe('kubeconfig', () => {
  it('merges files as kubectl does: the first file to name an entry or a current-context wins; paths relative to their file', async () => {
    const a = await dir();
    const b = await dir();
    await writeFile(join(b, 'ca.crt'), 'CA-FROM-B');
    await writeFile(join(b, 'token'), 'token-from-file\n');
    await writeFile(
      join(a, 'config'),
      config(
        [{ name: 'prod', cluster: { server: 'https://a.example:6443/' } }],
        [],
        [{ name: 'prod', context: { cluster: 'prod', user: 'ci' } }],
        'prod',
      ),
    );
    await writeFile(
      join(b, 'config'),
      config(
        [
          { name: 'prod', cluster: { server: 'https://b.example' } },
          { name: 'dev', cluster: { server: 'https://dev.example', 'certificate-authority': 'ca.crt' } },
        ],
        [{ name: 'ci', user: { tokenFile: 'token' } }],
        [{ name: 'dev', context: { cluster: 'dev', user: 'ci', namespace: 'shop' } }],
        'dev',
      ),
    );
    const merged = readKubeconfigs([join(a, 'config'), join(b, 'config')]);
    const prod = fromKubeconfig(merged, undefined, {});
    expect(prod.server).toBe('https://a.example:6443');
    expect(await prod.credentials()).toMatchObject({ authorization: 'Bearer token-from-file' });
    const dev = fromKubeconfig(merged, 'dev', {});
    expect(dev).toMatchObject({ server: 'https://dev.example', namespace: 'shop', insecure: false });
    expect(dev.ca?.toString()).toBe('CA-FROM-B');
  });

  it('client certificates, basic auth, inline tokens; clear errors for what is missing or removed', async () => {
    const d = await dir();
    const file = join(d, 'config');
    await writeFile(
      file,
      config(
        [{ name: 'c', cluster: { server: 'https://c.example', 'insecure-skip-tls-verify': true, 'tls-server-name': 'api.internal' } }],
        [
          {
            name: 'cert',
            user: {
              'client-certificate-data': Buffer.from('CERT').toString('base64'),
              'client-key-data': Buffer.from('KEY').toString('base64'),
            },
          },
          { name: 'basic', user: { username: 'admin', password: 'pw' } },
          { name: 'token', user: { token: 'abc' } },
          { name: 'legacy', user: { 'auth-provider': { name: 'gcp' } } },
        ],
        ['cert', 'basic', 'token', 'legacy', 'ghost']
          .map((user) => ({ name: user, context: { cluster: 'c', user } }))
          .concat([{ name: 'nowhere', context: { cluster: 'missing', user: 'token' } }]),
      ),
    );
    const merged = readKubeconfigs([file]);
    const cert = await fromKubeconfig(merged, 'cert', {}).credentials();
    expect([cert.cert?.toString(), cert.key?.toString(), cert.authorization]).toEqual(['CERT', 'KEY', undefined]);
    expect((await fromKubeconfig(merged, 'basic', {}).credentials()).authorization).toBe(
      `Basic ${Buffer.from('admin:pw').toString('base64')}`,
    );
    expect(fromKubeconfig(merged, 'token', {})).toMatchObject({ insecure: true, serverName: 'api.internal' });
    expect(() => fromKubeconfig(merged, 'legacy', {})).toThrow(
      'uses an auth-provider, which kubectl removed: use its exec credential plugin instead',
    );
    expect(() => fromKubeconfig(merged, 'ghost', {})).toThrow('kubeconfig context "ghost" names user "ghost", which it does not define');
    expect(() => fromKubeconfig(merged, 'nowhere', {})).toThrow('names cluster "missing", which it does not define');
    expect(() => fromKubeconfig(merged, undefined, {})).toThrow('kubeconfig has no current-context: set traffic.context');
    expect(() => readKubeconfigs([join(d, 'absent')])).toThrow(`kubeconfig ${join(d, 'absent')} does not exist`);
  });

  it('runs an exec plugin without a shell, with its env and KUBERNETES_EXEC_INFO, and reuses the credential until it expires', async () => {
    const d = await dir();
    const plugin = join(d, 'bin', 'get-token');
    await mkdir(join(d, 'bin'));
    // Counts its runs; prints a token that expires in an hour, or one already expired.
    await writeFile(
      plugin,
      `#!/bin/sh\necho run >> "${d}/runs"\necho "$KUBERNETES_EXEC_INFO" > "${d}/info"\n` +
        `echo "{\\"apiVersion\\":\\"client.authentication.k8s.io/v1\\",\\"kind\\":\\"ExecCredential\\",\\"status\\":{\\"token\\":\\"$TOKEN_PREFIX-$1\\",\\"expirationTimestamp\\":\\"$EXPIRES\\"}}"\n`,
    );
    await chmod(plugin, 0o755);
    const exec = (expires: string) => ({
      exec: {
        apiVersion: 'client.authentication.k8s.io/v1',
        command: './bin/get-token',
        args: ['x; rm -rf /'],
        env: [{ name: 'EXPIRES', value: expires }],
      },
    });
    await writeFile(
      join(d, 'config'),
      config(
        [{ name: 'c', cluster: { server: 'https://c.example' } }],
        [
          { name: 'fresh', user: exec(new Date(Date.now() + 3_600_000).toISOString()) },
          { name: 'stale', user: exec(new Date(Date.now() - 1000).toISOString()) },
        ],
        [
          { name: 'fresh', context: { cluster: 'c', user: 'fresh' } },
          { name: 'stale', context: { cluster: 'c', user: 'stale' } },
        ],
      ),
    );
    const merged = readKubeconfigs([join(d, 'config')]);
    const fresh = fromKubeconfig(merged, 'fresh', { PATH: process.env.PATH, TOKEN_PREFIX: 'eks' });
    expect((await fresh.credentials()).authorization).toBe('Bearer eks-x; rm -rf /');
    await fresh.credentials();
    expect((await readFile(join(d, 'runs'), 'utf8')).trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(await readFile(join(d, 'info'), 'utf8'))).toEqual({
      apiVersion: 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      spec: { interactive: false },
    });
    const stale = fromKubeconfig(merged, 'stale', { PATH: process.env.PATH, TOKEN_PREFIX: 'gke' });
    await stale.credentials();
    await stale.credentials();
    expect((await readFile(join(d, 'runs'), 'utf8')).trim().split('\n')).toHaveLength(3);
  });

  it('a plugin that fails or prints no ExecCredential is named in the error', async () => {
    const d = await dir();
    await writeFile(
      join(d, 'config'),
      config(
        [{ name: 'c', cluster: { server: 'https://c.example' } }],
        [
          { name: 'fails', user: { exec: { command: '/bin/sh', args: ['-c', 'echo token expired >&2; exit 3'] } } },
          { name: 'garbage', user: { exec: { command: '/bin/echo', args: ['hello'] } } },
        ],
        [
          { name: 'fails', context: { cluster: 'c', user: 'fails' } },
          { name: 'garbage', context: { cluster: 'c', user: 'garbage' } },
        ],
      ),
    );
    const merged = readKubeconfigs([join(d, 'config')]);
    await expect(fromKubeconfig(merged, 'fails', {}).credentials()).rejects.toThrow(
      'the exec credential plugin of kubeconfig user "fails" (/bin/sh) failed: token expired',
    );
    await expect(fromKubeconfig(merged, 'garbage', {}).credentials()).rejects.toThrow('printed no ExecCredential JSON');
  });

  it('in a pod: the service account, its namespace, and a token re-read as it rotates', async () => {
    const root = await dir();
    await writeFile(join(root, 'ca.crt'), 'CLUSTER-CA');
    await writeFile(join(root, 'namespace'), 'shop\n');
    await writeFile(join(root, 'token'), 'first');
    const cluster = inCluster({ KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' }, root);
    expect(cluster).toMatchObject({ server: 'https://10.0.0.1:443', namespace: 'shop' });
    expect(cluster.ca?.toString()).toBe('CLUSTER-CA');
    expect((await cluster.credentials()).authorization).toBe('Bearer first');
    await writeFile(join(root, 'token'), 'rotated');
    expect((await cluster.credentials()).authorization).toBe('Bearer rotated');
    expect(inCluster({ KUBERNETES_SERVICE_HOST: 'fd00::1' }, root).server).toBe('https://[fd00::1]:443');
  });

  it('refuses a kubeconfig namespace that is no Kubernetes name before any request (it becomes a path segment)', async () => {
    const d = await dir();
    await writeFile(
      join(d, 'config'),
      config(
        [{ name: 'c', cluster: { server: 'https://127.0.0.1:1' } }],
        [{ name: 'u', user: { token: 't0ken' } }],
        [{ name: 'c', context: { cluster: 'c', user: 'u', namespace: '../../kube-system' } }],
        'c',
      ),
    );
    const log = { info() {}, warn() {}, debug() {}, mask() {} };
    await expect(connect({ fieldManager: 'rollgate', kubeconfig: join(d, 'config') }, { env: {}, log, cwd: d })).rejects.toThrow(
      'namespace "../../kube-system" is not a Kubernetes name',
    );
  });
});
