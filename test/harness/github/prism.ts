// Prism (@stoplight/prism-cli) in `proxy --errors` mode: every request and response that passes
// through is checked against GitHub's official REST description (@octokit/openapi); a violation
// becomes an error answer instead of reaching the client quietly.
//
// The official api.github.com.json is 13 MB and takes Prism ~12 s to load on this machine, so the
// harness hands Prism the same description cut down, at test time, to the operations Rollgate
// calls plus every component they reference: the schemas checked are GitHub's own, byte for byte.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { freePort } from '../backend.js';

const require = createRequire(import.meta.url);

/** The REST operations Rollgate calls: path → methods. A call outside this list fails the test (Prism finds no route). */
export const ROLLGATE_OPERATIONS: Record<string, string[]> = {
  '/repos/{owner}/{repo}/deployments': ['get', 'post'],
  '/repos/{owner}/{repo}/deployments/{deployment_id}/statuses': ['get', 'post'],
  '/repos/{owner}/{repo}/pulls': ['get'],
  '/repos/{owner}/{repo}/commits/{commit_sha}/pulls': ['get'],
  '/repos/{owner}/{repo}/issues/{issue_number}/comments': ['get', 'post'],
  '/repos/{owner}/{repo}/issues/comments/{comment_id}': ['patch'],
  '/user': ['get'],
};

type Json = Record<string, unknown>;

/** GitHub's description restricted to `operations` and the components they reach through $ref. */
export function trimDescription(operations: Record<string, string[]> = ROLLGATE_OPERATIONS): Json {
  const full = JSON.parse(readFileSync(require.resolve('@octokit/openapi/generated/api.github.com.json'), 'utf8')) as {
    openapi: string;
    info: unknown;
    servers: unknown;
    paths: Record<string, Record<string, unknown>>;
    components: Record<string, Record<string, unknown>>;
  };
  const paths: Record<string, Json> = {};
  const components: Record<string, Json> = {};
  const pending: string[] = [];
  const seen = new Set<string>();
  const collect = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(collect);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === '$ref' && typeof value === 'string' && !seen.has(value)) {
          seen.add(value);
          pending.push(value);
        } else collect(value);
      }
    }
  };
  for (const [path, methods] of Object.entries(operations)) {
    const item = full.paths[path];
    if (!item) throw new Error(`GitHub's description has no path ${path}`);
    const kept: Json = {};
    for (const method of methods) {
      if (!item[method]) throw new Error(`GitHub's description has no ${method.toUpperCase()} ${path}`);
      kept[method] = item[method];
    }
    if (item.parameters) kept.parameters = item.parameters;
    paths[path] = kept;
    collect(kept);
  }
  while (pending.length) {
    const ref = pending.pop()!;
    const [, , section, name] = ref.split('/') as [string, string, string, string];
    const value = full.components[section]?.[name];
    if (value === undefined) throw new Error(`unresolved ${ref}`);
    (components[section] ??= {})[name] = value;
    collect(value);
  }
  return { openapi: full.openapi, info: full.info, servers: full.servers, paths, components };
}

export interface Prism {
  url: string;
  stop(): Promise<void>;
}

export async function startPrism(upstream: string, workDir: string): Promise<Prism> {
  const bin = require.resolve('@stoplight/prism-cli/dist/index.js');
  if (!existsSync(bin)) throw new Error('@stoplight/prism-cli is not installed (npm ci installs it): the GitHub contract tests need it');
  const description = join(workDir, 'github-rollgate-operations.json');
  writeFileSync(description, JSON.stringify(trimDescription()));
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [bin, 'proxy', '--errors', '-h', '127.0.0.1', '-p', String(port), description, upstream],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Prism did not start within 60 s:\n${output.slice(-2_000)}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
      if (output.includes('Prism is listening')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Prism exited (${code}) before listening:\n${output.slice(-2_000)}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
