// Starts a real NGINX (Debian's nginx-light) on 127.0.0.1 with a temp config and a free port, in front
// of an `upstream web` whose server list is an include file the nginx router renders.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, requireBinary } from './backend.js';
import { canConnect, waitUntil } from './wait.js';

export const NGINX_BINARY = '/usr/sbin/nginx';

export interface NginxOptions {
  /** The include file's first content: what the user had before the rollout (e.g. the stable servers). */
  upstream: string;
  /** Client keep-alive timeout; "0" makes NGINX close the client connection after each response. */
  keepaliveTimeout?: string;
}

export interface Nginx {
  url: string;
  port: number;
  dir: string;
  conf: string;
  pidFile: string;
  upstreamFile: string;
  /** Included in the server block, empty: a test breaks it to make `nginx -t` fail. */
  extraFile: string;
  errorLog: string;
  /** PID of the master process. */
  pid: number;
  stop(): Promise<void>;
}

export async function startNginx(options: NginxOptions): Promise<Nginx> {
  const binary = requireBinary(NGINX_BINARY);
  const dir = await mkdtemp(join(tmpdir(), 'rollgate-nginx-'));
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  const pidFile = join(dir, 'nginx.pid');
  const upstreamFile = join(dir, 'web.upstream.conf');
  const errorLog = join(dir, 'error.log');
  const extraFile = join(dir, 'extra.conf');
  await writeFile(upstreamFile, options.upstream);
  await writeFile(extraFile, '');
  await writeFile(
    conf,
    `# Written by test/harness/nginx.ts
daemon off;
worker_processes 1;
pid ${pidFile};
error_log ${errorLog} notice;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_timeout ${options.keepaliveTimeout ?? '65s'};
  upstream web {
    include ${upstreamFile};
    keepalive 32;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://web;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
    include ${extraFile};
  }
}
`,
  );
  const child = spawn(binary, ['-p', dir, '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2_000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGQUIT'); // graceful: workers finish what they serve
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitUntil(
      async () => (await readFile(pidFile, 'utf8').catch(() => '')).trim() !== '' && (await canConnect(port)),
      10_000,
      () => {
        if (child.exitCode !== null) throw new Error(`nginx exited ${child.exitCode}: ${stderr.trim()}`);
      },
    );
  } catch (error) {
    await stop();
    throw new Error(`nginx did not start: ${(error as Error).message} ${stderr.trim()}`);
  }
  return { url: `http://127.0.0.1:${port}`, port, dir, conf, pidFile, upstreamFile, extraFile, errorLog, pid: child.pid!, stop };
}

/** The `traffic:` block of a spec for the nginx router in front of this harness's NGINX. */
export function nginxTrafficYaml(
  nginx: Nginx,
  servers: { stable: string[]; canary: string[] },
  names: { stable: string; canary: string } = { stable: 'v1', canary: 'v2' },
  extra = '',
): string {
  return `traffic:
  provider: nginx
  upstream: web
  file: ${nginx.upstreamFile}
  conf: ${nginx.conf}
  nginx: ${NGINX_BINARY}
  pid: ${nginx.pidFile}
  stable: ${names.stable}
  canary: ${names.canary}
  servers:
    stable: [${servers.stable.join(', ')}]
    canary: [${servers.canary.join(', ')}]
${extra ? `${extra}\n` : ''}`;
}
