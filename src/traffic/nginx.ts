// Traffic `nginx`: renders the canary split into an include file that holds the server list of one
// upstream, checks the whole configuration with `nginx -t`, reloads gracefully and confirms the new
// workers took over. The file is written atomically (temp + rename); a failed check or reload puts
// the last good file back, so NGINX never keeps a broken configuration. Open-source NGINX has no API
// to read weights back, so the read-back is the rendered file plus, given `pid`, proof from /proc that
// the running workers were started after it was written.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile, stat, unlink, utimes } from 'node:fs/promises';
import { z } from 'zod';
import { checkWeight, defineTrafficProvider, serialQueue } from './provider.js';
import { splitWeights, type FleetRouter, type FleetServer, type ServerAdminState } from './fleet.js';
import type { TrafficRouter } from '../ports.js';
import { duration, versionName } from '../config/common.js';
import { parseDuration } from '../config/duration.js';
import { writeAtomically } from '../util/atomic-file.js';

// What an upstream `server` line takes, by NGINX's grammar: a host name or IPv4 address with an
// optional port, [IPv6] with an optional port, or unix:/path. Nothing else reaches the rendered file.
const LABEL = String.raw`[A-Za-z0-9_](?:[\w-]{0,61}[A-Za-z0-9_])?`;
const HOST = String.raw`${LABEL}(?:\.${LABEL})*`;
const PORT = String.raw`(?::(?:6553[0-5]|655[0-2]\d|65[0-4]\d\d|6[0-4]\d{3}|[1-5]\d{4}|[1-9]\d{0,3}))?`;
export const NGINX_ADDRESS = new RegExp(String.raw`^(?:unix:/[\w./-]{1,200}|${HOST}${PORT}|\[[0-9A-Fa-f:.]{2,45}\]${PORT})$`);
const address = z.string().regex(NGINX_ADDRESS, { error: 'expected host:port (port 1-65535), [v6]:port or unix:/path' });
export const nginxAddress = address;

// Server parameters rollgate leaves to the user; weight, down and backup decide the split, so rollgate
// alone writes them (open-source NGINX parameters; max_conns and slow_start are NGINX Plus too).
const TIME = String.raw`\d{1,9}(?:ms|s|m|h|d)?`;
const PARAMETERS: Record<string, RegExp> = {
  max_fails: /^max_fails=\d{1,9}$/,
  fail_timeout: new RegExp(`^fail_timeout=${TIME}$`),
  max_conns: /^max_conns=\d{1,9}$/,
  slow_start: new RegExp(`^slow_start=${TIME}$`),
  resolve: /^resolve$/,
};
const OWN_PARAMETERS = ['weight', 'down', 'backup'];

/** What is wrong with a `parameters` string, or undefined when every word is allowed. */
export function nginxParametersProblem(text: string): string | undefined {
  for (const word of text
    .trim()
    .split(/[ \t]+/)
    .filter(Boolean)) {
    const key = word.split('=')[0]!;
    if (OWN_PARAMETERS.includes(key)) return `"${key}" is set by rollgate from the stage weight; leave it out`;
    const rule = PARAMETERS[key];
    if (!rule) return `"${word.slice(0, 40)}" is not an allowed server parameter (allowed: ${Object.keys(PARAMETERS).join(', ')})`;
    if (!rule.test(word)) return `"${word.slice(0, 40)}" is not a valid ${key} (e.g. max_fails=3, fail_timeout=10s)`;
  }
  return undefined;
}

const argv = z.array(z.string().min(1)).min(1);

const nginxSchema = z.strictObject({
  provider: z.literal('nginx'),
  file: z
    .string()
    .min(1)
    .describe('The include file rollgate renders the server list into; `include` it inside the upstream block. Rollgate owns it.'),
  upstream: z
    .string()
    .regex(/^[\w.-]+$/)
    .default('backend')
    .describe('Name of the upstream block, for messages and the rendered header.'),
  stable: versionName.describe('Name of the stable version, for templates and reports.'),
  canary: versionName.describe('Name of the canary version, for templates and reports.'),
  servers: z
    .strictObject({
      stable: z.array(address).min(1).describe('Addresses of the servers that run the stable version.'),
      canary: z.array(address).min(1).describe('Addresses of the servers that run the canary version.'),
    })
    .describe('The upstream servers of each version.'),
  parameters: z
    .string()
    .superRefine((text, ctx) => {
      const problem = nginxParametersProblem(text);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional()
    .describe(
      `Extra parameters for every server line, e.g. "max_fails=3 fail_timeout=10s" (allowed: ${Object.keys(PARAMETERS).join(', ')}).`,
    ),
  conf: z.string().min(1).default('/etc/nginx/nginx.conf').describe('Main configuration file, for `nginx -t -c` and `nginx -s reload -c`.'),
  nginx: z.string().min(1).default('nginx').describe('The nginx binary.'),
  test: argv.optional().describe('Command (argv, no shell) that checks the configuration instead of `nginx -t -q -c <conf>`.'),
  reload: argv
    .optional()
    .describe('Command (argv, no shell) that reloads NGINX instead of `nginx -c <conf> -s reload`, e.g. [systemctl, reload, nginx].'),
  pid: z
    .string()
    .min(1)
    .optional()
    .describe("NGINX's pid file. With it rollgate confirms each reload took effect and can tell when a drained server is idle."),
  timeout: duration.default('30s').describe('How long a check, a reload and its confirmation may take.'),
});

export type NginxSpec = z.output<typeof nginxSchema>;

export const nginxTraffic = defineTrafficProvider({ schema: nginxSchema, create: (spec) => createNginxRouter(spec) });

export interface RenderedServer {
  address: string;
  role: 'stable' | 'canary';
  /** The rendered weight; 0 for a server that takes no traffic at this split. */
  weight: number;
  state: ServerAdminState;
}

export function renderUpstream(spec: NginxSpec, weight: number, states: ReadonlyMap<string, ServerAdminState>): string {
  const split = splitWeights(weight, spec.servers.stable.length, spec.servers.canary.length);
  const line = (addr: string, role: 'stable' | 'canary') => {
    const w = split[role];
    const state = states.get(addr) ?? 'ready';
    // NGINX rejects weight=0: a server with no share is `down`; so is a drained one (open-source NGINX has no drain).
    const params = [w > 0 ? `weight=${w}` : '', spec.parameters ?? '', w === 0 || state !== 'ready' ? 'down' : '']
      .filter(Boolean)
      .join(' ');
    return `server ${addr}${params ? ` ${params}` : ''}; # rollgate: ${role} ${state}`;
  };
  return [
    `# Rendered by rollgate for upstream ${spec.upstream}: ${weight}% to ${spec.canary}, ${100 - weight}% to ${spec.stable}.`,
    '# Rewritten on every traffic change; edit the rollout spec instead.',
    ...spec.servers.stable.map((a) => line(a, 'stable')),
    ...spec.servers.canary.map((a) => line(a, 'canary')),
    '',
  ].join('\n');
}

/** Reads server lines back: weights and states of the spec's servers, by address. */
export function parseUpstream(spec: NginxSpec, text: string): RenderedServer[] {
  const roles = new Map<string, 'stable' | 'canary'>([
    ...spec.servers.stable.map((a) => [a, 'stable'] as const),
    ...spec.servers.canary.map((a) => [a, 'canary'] as const),
  ]);
  const servers: RenderedServer[] = [];
  for (const raw of text.split('\n')) {
    const match = /^\s*server\s+(\S+)([^;#]*);\s*(?:#\s*rollgate:\s*\w+\s+(ready|drain|maint))?/.exec(raw);
    const role = match && roles.get(match[1]!);
    if (!match || !role) continue;
    const params = match[2]!.trim().split(/\s+/);
    const down = params.includes('down');
    const weightParam = params.find((p) => p.startsWith('weight='));
    const weight = weightParam ? Number(weightParam.slice(7)) : down ? 0 : 1;
    const state = (match[3] as ServerAdminState | undefined) ?? (down && weightParam ? 'maint' : 'ready');
    servers.push({ address: match[1]!, role, weight, state });
  }
  return servers;
}

/** The canary's percent of the rendered weights (the split, whatever the fleet states). */
export function canaryShare(servers: RenderedServer[]): number {
  const sum = (role: 'stable' | 'canary') => servers.filter((s) => s.role === role).reduce((total, s) => total + s.weight, 0);
  const [stable, canary] = [sum('stable'), sum('canary')];
  if (stable + canary === 0) throw new Error('the upstream file gives no server any weight');
  return Math.round((100 * canary) / (stable + canary));
}

export function createNginxRouter(spec: NginxSpec): TrafficRouter & FleetRouter {
  const timeoutMs = parseDuration(spec.timeout) ?? 30_000;
  const testArgv = spec.test ?? [spec.nginx, '-t', '-q', '-c', spec.conf];
  const reloadArgv = spec.reload ?? [spec.nginx, '-c', spec.conf, '-s', 'reload'];
  const lastGood = `${spec.file}.last-good`;
  const where = `nginx upstream ${spec.upstream} (${spec.file})`;

  const readRendered = async () => {
    const text = await readFile(spec.file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    return text === undefined ? [] : parseUpstream(spec, text);
  };

  /** Puts `content` in force: swap the file, check, reload, confirm; on any failure the last good file returns. */
  const apply = async (content: string) => {
    const previous = await readFile(spec.file, 'utf8').catch(() => undefined);
    const previousTimes = previous === undefined ? undefined : await stat(spec.file);
    if (previous !== undefined) await writeAtomically(lastGood, previous);
    await writeAtomically(spec.file, content);
    const restore = async () => {
      if (previous === undefined || !previousTimes) return unlink(spec.file).catch(() => undefined);
      await writeAtomically(spec.file, previous);
      // Its old mtime too: the running workers, started after it, still count as having it in force.
      await utimes(spec.file, previousTimes.atime, previousTimes.mtime);
    };
    const checked = await run(testArgv, timeoutMs);
    if (!checked.ok) {
      await restore();
      throw new Error(
        `${display(testArgv)} rejected the new ${where}: ${nginxMessage(checked.output)}; the last good file is back in place`,
      );
    }
    const master = spec.pid ? await readPid(spec.pid) : undefined;
    const before = master ? workers(master) : [];
    const reloaded = await run(reloadArgv, timeoutMs);
    if (!reloaded.ok) {
      await restore();
      throw new Error(`${display(reloadArgv)} failed for ${where}: ${nginxMessage(reloaded.output)}; the last good file is back in place`);
    }
    if (master && !(await tookOver(master, before, timeoutMs))) {
      await restore();
      throw new Error(
        `nginx (pid ${master}) did not start workers with the new ${where} within ${spec.timeout}; see its error log. The last good file is back in place`,
      );
    }
  };

  /** With a pid file: the running workers were started after the file was last written. */
  const inForce = async () => {
    if (!spec.pid) return true;
    const master = await readPid(spec.pid);
    const [current, written] = [workers(master), (await stat(spec.file)).mtimeMs];
    const serving = current.filter((w) => !w.retiring);
    return serving.length > 0 && serving.every((w) => w.startedAt >= written - START_TIME_SLACK_MS);
  };

  const serially = serialQueue();
  const statesOf = (servers: RenderedServer[]) => new Map(servers.map((s) => [s.address, s.state]));
  const known = (name: string) => {
    if (![...spec.servers.stable, ...spec.servers.canary].includes(name)) {
      throw new Error(`${where} has no server "${name}" (servers: ${[...spec.servers.stable, ...spec.servers.canary].join(', ')})`);
    }
  };

  return {
    type: 'nginx',
    async setWeight(weight) {
      checkWeight(weight);
      return serially(async () => apply(renderUpstream(spec, weight, statesOf(await readRendered()))));
    },
    async getWeight() {
      const servers = await readRendered();
      if (!servers.length) throw new Error(`${where} lists none of the spec's servers`);
      return canaryShare(servers);
    },
    async verify(weight) {
      const servers = await readRendered();
      return servers.length > 0 && canaryShare(servers) === weight && (await inForce());
    },

    async servers(): Promise<FleetServer[]> {
      return (await readRendered()).map((s) => ({
        name: s.address,
        address: s.address,
        state: s.state,
        weight: s.weight,
        health: 'unknown',
        activeConnections: null,
      }));
    },
    setServerState(name, state) {
      return serially(async () => {
        known(name);
        const servers = await readRendered();
        if (!servers.length) throw new Error(`${where} lists none of the spec's servers; set a weight first`);
        const states = statesOf(servers);
        states.set(name, state);
        await apply(renderUpstream(spec, canaryShare(servers), states));
      });
    },
    async isDrained(name) {
      known(name);
      if (!spec.pid) throw new Error(`${where}: set \`pid\` (nginx's pid file) so rollgate can tell when a drained server is idle`);
      const server = (await readRendered()).find((s) => s.address === name);
      if (!server || server.state === 'ready') return false;
      // Only workers started before the server went down can still send to it: wait until none is left.
      const master = await readPid(spec.pid);
      return (await inForce()) && !workers(master).some((w) => w.retiring);
    },
  };
}

// ---------------------------------------------------------------- files and processes

interface CommandResult {
  ok: boolean;
  output: string;
}

function run(command: string[], timeoutMs: number): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(command[0]!, command.slice(1), { timeout: timeoutMs, maxBuffer: 256 * 1024 }, (error, stdout, stderr) => {
      const output = `${stderr}\n${stdout}`.trim();
      if (!error) return resolve({ ok: true, output });
      const reason =
        (error as NodeJS.ErrnoException).code === 'ENOENT'
          ? `${command[0]} not found`
          : error.killed
            ? `timed out after ${timeoutMs} ms`
            : '';
      resolve({ ok: false, output: [output, reason].filter(Boolean).join('\n') || error.message });
    });
  });
}

const display = (command: string[]) => `\`${command.join(' ')}\``;

/** NGINX's own words: its [emerg]/[alert]/[crit] lines, else the last line. */
export function nginxMessage(output: string): string {
  const lines = output
    .split('\n')
    .map((l) => l.replace(/^nginx:\s*/, '').trim())
    .filter(Boolean);
  const serious = lines.filter((l) => /\[(emerg|alert|crit|error)\]/.test(l));
  return (serious.length ? serious.join('; ') : (lines[lines.length - 1] ?? 'no output')).slice(0, 500);
}

async function readPid(path: string): Promise<number> {
  const text = await readFile(path, 'utf8').catch((error: Error) => {
    throw new Error(`cannot read nginx's pid file ${path}: ${error.message}`);
  });
  const pid = Number(text.trim());
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`nginx's pid file ${path} holds no pid (${JSON.stringify(text.slice(0, 20))})`);
  return pid;
}

// Linux reports process start times in clock ticks of 1/100 s since boot; comparing them with a file's
// mtime allows for that resolution.
const CLOCK_TICKS_PER_SECOND = 100;
const START_TIME_SLACK_MS = 30;

interface Worker {
  pid: number;
  /** A worker of an older configuration, finishing its requests before it exits. */
  retiring: boolean;
  startedAt: number;
}

/** The worker processes of an NGINX master, from /proc (read synchronously: a scan takes a few ms). */
function workers(master: number): Worker[] {
  const uptime = Number(readProc('/proc/uptime').split(' ')[0]);
  const bootedAt = Date.now() - uptime * 1000;
  const found: Worker[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const statText = readProc(`/proc/${entry}/stat`);
    // Fields after the command name, which may itself hold spaces and parentheses.
    const fields = statText.slice(statText.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[1]) !== master) continue;
    const title = readProc(`/proc/${entry}/cmdline`);
    if (!title.includes('worker process')) continue;
    found.push({
      pid: Number(entry),
      retiring: title.includes('shutting down'),
      startedAt: bootedAt + (Number(fields[19]) * 1000) / CLOCK_TICKS_PER_SECOND,
    });
  }
  return found;
}

/** A /proc file, or '' for a process that exited meanwhile. */
function readProc(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** After a reload signal: a new worker serves and every worker from before is retiring or gone. */
async function tookOver(master: number, before: Worker[], timeoutMs: number): Promise<boolean> {
  const old = new Set(before.map((w) => w.pid));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const now = workers(master);
    const serving = now.filter((w) => !w.retiring);
    if (serving.length > 0 && serving.every((w) => !old.has(w.pid))) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return false;
}
