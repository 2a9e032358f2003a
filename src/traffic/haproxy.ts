// Traffic `haproxy`: drives a running HAProxy live through its runtime API (the admin socket, a unix
// path or host:port). The canary split is two server weights in one backend: stable 100−w against
// canary w, in lowest terms (25 % is 3/1; weight 0 takes no new requests). Fleet control is
// `set server … state ready|drain|maint`. Every change is read back from `show servers state`;
// nothing is reloaded.
import { connect } from 'node:net';
import { z } from 'zod';
import { checkWeight, defineTrafficProvider } from './provider.js';
import { splitWeights, type FleetRouter, type FleetServer, type ServerAdminState } from './fleet.js';
import type { TrafficRouter } from '../ports.js';
import { duration } from '../config/common.js';
import { parseDuration } from '../config/duration.js';

// HAProxy's names: letters, digits and . _ - : (and nothing the runtime API would read as syntax).
const HAPROXY_NAME = /^[A-Za-z0-9._:-]{1,128}$/;
const haproxyName = z.string().regex(HAPROXY_NAME, { error: 'HAProxy names are letters, digits, ".", "_", "-" and ":"' });

/**
 * A runtime API command about one server. Names are checked again here, where they meet the API:
 * a rolling target, say, reaches this from outside the provider's own schema.
 */
export function serverCommand(backend: string, server: string, change: { weight: number } | { state: ServerAdminState }): string {
  for (const name of [backend, server])
    if (!HAPROXY_NAME.test(name)) throw new Error(`${JSON.stringify(name.slice(0, 60))} is not an HAProxy name (letters, digits, . _ - :)`);
  if ('weight' in change) {
    if (!Number.isInteger(change.weight) || change.weight < 0 || change.weight > 256)
      throw new Error(`weight ${change.weight} is not 0..256`);
    return `set weight ${backend}/${server} ${change.weight}`;
  }
  if (!['ready', 'drain', 'maint'].includes(change.state)) throw new Error(`state ${String(change.state)} is not ready, drain or maint`);
  return `set server ${backend}/${server} state ${change.state}`;
}

const haproxySchema = z.strictObject({
  provider: z.literal('haproxy'),
  socket: z
    .string()
    .regex(/^(\/.+|\.{1,2}\/.+|[A-Za-z0-9.-]+:\d+|\[[0-9A-Fa-f:.]+\]:\d+)$/, {
      error: 'expected the admin socket as a unix path (/run/haproxy/admin.sock) or host:port (127.0.0.1:9999)',
    })
    .describe('HAProxy runtime API: a unix socket path or host:port of a `stats socket … level admin`.'),
  backend: haproxyName.describe('The backend that holds the stable and the canary server.'),
  stable: haproxyName.describe('Server name of the stable version in the backend.'),
  canary: haproxyName.describe('Server name of the canary version in the backend.'),
  timeout: duration.default('5s').describe('How long one runtime API command may take.'),
});

export type HaproxySpec = z.output<typeof haproxySchema>;

export const haproxyTraffic = defineTrafficProvider({ schema: haproxySchema, create: (spec) => createHaproxyRouter(spec) });

/** A server as `show servers state` and `show stat` describe it. */
export interface HaproxyServerState {
  name: string;
  address: string;
  /** srv_op_state: 0 stopped, 1 starting, 2 running, 3 stopping. */
  operational: number;
  /** srv_admin_state bit field (maintenance and drain flags). */
  admin: number;
  /** srv_uweight: the weight in force. */
  weight: number;
}

// srv_admin_state flags (HAProxy include/haproxy/server-t.h): forced, inherited, configured and
// resolver maintenance; forced and inherited drain.
const ADMIN_MAINT = 0x01 | 0x02 | 0x04 | 0x20;
const ADMIN_DRAIN = 0x08 | 0x10;

export function adminState(flags: number): ServerAdminState {
  if (flags & ADMIN_MAINT) return 'maint';
  if (flags & ADMIN_DRAIN) return 'drain';
  return 'ready';
}

/** One runtime API client: one connection per request, as the API's non-interactive mode wants. */
export class HaproxyRuntimeApi {
  constructor(
    readonly address: string,
    private readonly timeoutMs = 5_000,
  ) {}

  /** Sends one command line (commands may be chained with `;`) and returns HAProxy's whole answer. */
  request(line: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const tcp = /^\[?([^\]]+?)\]?:(\d+)$/.exec(this.address);
      const socket = this.address.includes('/') || !tcp ? connect(this.address) : connect(Number(tcp[2]), tcp[1]);
      let answer = '';
      socket.setEncoding('utf8');
      socket.setTimeout(this.timeoutMs, () => {
        socket.destroy();
        reject(new Error(`HAProxy runtime API at ${this.address} did not answer "${line}" within ${this.timeoutMs} ms`));
      });
      socket.once('connect', () => socket.write(`${line}\n`));
      socket.on('data', (chunk: string) => (answer += chunk));
      socket.once('error', (error) => reject(new Error(`cannot reach the HAProxy runtime API at ${this.address}: ${error.message}`)));
      socket.once('close', (hadError) => {
        if (!hadError) resolve(answer);
      });
    });
  }

  /** Runs commands that answer nothing on success; any text back is HAProxy's error. */
  async execute(commands: string[]): Promise<void> {
    const line = commands.join('; ');
    const answer = (await this.request(line)).trim();
    if (answer) throw new Error(`HAProxy refused "${line}": ${answer.split('\n').join(' ')}`);
  }

  /** `show servers state <backend>`: the servers of one backend with their weights and states. */
  async serversState(backend: string): Promise<Map<string, HaproxyServerState>> {
    const answer = await this.request(`show servers state ${backend}`);
    return parseServersState(answer, `HAProxy at ${this.address} (backend "${backend}")`);
  }

  /** `show stat`: per server of one backend, the sessions in progress and queued. */
  async sessions(backend: string): Promise<Map<string, ServerSessions>> {
    return parseStat(await this.request('show stat -1 4 -1'), backend, `HAProxy at ${this.address}`);
  }
}

export interface ServerSessions {
  /** scur: sessions in progress on the server. */
  current: number;
  /** qcur: requests queued for it. */
  queued: number;
}

/** Parses `show servers state` (format 1) by its header line, so added columns do no harm. */
export function parseServersState(answer: string, where: string): Map<string, HaproxyServerState> {
  const lines = answer.split('\n').filter((l) => l.trim());
  const header = lines.find((l) => l.startsWith('# '));
  if (!header) throw new Error(`${where}: ${answer.trim() || 'no answer'}`);
  const columns = header.slice(2).trim().split(/\s+/);
  const at = (name: string) => {
    const index = columns.indexOf(name);
    if (index < 0) throw new Error(`${where}: "show servers state" has no column ${name}`);
    return index;
  };
  const [name, address, operational, admin, weight] = ['srv_name', 'srv_addr', 'srv_op_state', 'srv_admin_state', 'srv_uweight'].map(
    at,
  ) as [number, number, number, number, number];
  const port = columns.indexOf('srv_port');
  const servers = new Map<string, HaproxyServerState>();
  for (const row of lines.slice(lines.indexOf(header) + 1)) {
    const fields = row.trim().split(/\s+/);
    if (fields.length < columns.length) continue;
    servers.set(fields[name]!, {
      name: fields[name]!,
      address: port >= 0 ? `${fields[address]}:${fields[port]}` : fields[address]!,
      operational: Number(fields[operational]),
      admin: Number(fields[admin]),
      weight: Number(fields[weight]),
    });
  }
  return servers;
}

/** Parses `show stat` CSV: the servers of one backend (pxname) with scur and qcur. */
export function parseStat(answer: string, backend: string, where: string): Map<string, ServerSessions> {
  const lines = answer.split('\n').filter((l) => l.trim());
  const header = lines[0]?.startsWith('# ') ? lines[0].slice(2).split(',') : undefined;
  if (!header) throw new Error(`${where} answered "show stat" with: ${answer.trim() || 'nothing'}`);
  const [proxy, server, scur, qcur] = ['pxname', 'svname', 'scur', 'qcur'].map((c) => header.indexOf(c)) as [
    number,
    number,
    number,
    number,
  ];
  const sessions = new Map<string, ServerSessions>();
  for (const row of lines.slice(1)) {
    const fields = row.split(',');
    if (fields[proxy] === backend && fields[server] !== 'BACKEND') {
      sessions.set(fields[server]!, { current: Number(fields[scur]) || 0, queued: Number(fields[qcur]) || 0 });
    }
  }
  return sessions;
}

export function createHaproxyRouter(spec: HaproxySpec): TrafficRouter & FleetRouter {
  const api = new HaproxyRuntimeApi(spec.socket, parseDuration(spec.timeout) ?? 5_000);
  const where = `HAProxy backend ${spec.backend} (${spec.socket})`;

  const servers = async () => {
    const state = await api.serversState(spec.backend);
    if (state.size === 0) throw new Error(`${where} has no servers`);
    return state;
  };
  const server = (state: Map<string, HaproxyServerState>, name: string) => {
    const found = state.get(name);
    if (!found) throw new Error(`${where} has no server "${name}" (servers: ${[...state.keys()].join(', ')})`);
    return found;
  };
  /** The canary's share of new requests: a server in drain or maintenance takes none. */
  const canaryShare = (state: Map<string, HaproxyServerState>) => {
    const effective = (s: HaproxyServerState) => (adminState(s.admin) === 'ready' ? s.weight : 0);
    const stable = effective(server(state, spec.stable));
    const canary = effective(server(state, spec.canary));
    if (stable + canary === 0)
      throw new Error(`${where}: neither ${spec.stable} nor ${spec.canary} takes traffic (weights 0 or not ready)`);
    return Math.round((100 * canary) / (stable + canary));
  };

  return {
    type: 'haproxy',
    async setWeight(weight) {
      checkWeight(weight);
      const state = await servers();
      // Never send traffic to a server HAProxy's own health check holds DOWN: the canary would
      // answer 503s (measured: a deploy that returned before its check passed). The way back to
      // the stable server is not refused — it is the safest place traffic can go.
      if (weight > 0 && server(state, spec.canary).operational === 0) {
        throw new Error(`HAProxy's health check holds ${spec.backend}/${spec.canary} DOWN: not sending it ${weight}% of the traffic`);
      }
      const split = splitWeights(weight, 1, 1);
      const [stableNow, canaryNow] = [server(state, spec.stable).weight, server(state, spec.canary).weight];
      const change = (name: string, from: number, to: number) => (from === to ? [] : [serverCommand(spec.backend, name, { weight: to })]);
      const stable = change(spec.stable, stableNow, split.stable);
      const canary = change(spec.canary, canaryNow, split.canary);
      // The side that loses share changes first, so the way back (to 0 %) never overshoots. A weight
      // already in force is left alone: every change moves HAProxy's round-robin positions.
      const rising = weight * (stableNow + canaryNow) > 100 * canaryNow;
      // Except for a switch between 0 % and 100 % (blue-green): there the gaining side goes first, or
      // for a moment both weights are 0 and HAProxy answers 503 (measured under load).
      const switching = rising ? canaryNow === 0 && split.stable === 0 : stableNow === 0 && split.canary === 0;
      const commands = rising !== switching ? [...stable, ...canary] : [...canary, ...stable];
      if (commands.length) await api.execute(commands);
    },
    async getWeight() {
      return canaryShare(await servers());
    },
    async verify(weight) {
      const state = await servers();
      const split = splitWeights(weight, 1, 1);
      return (
        server(state, spec.stable).weight === split.stable &&
        server(state, spec.canary).weight === split.canary &&
        canaryShare(state) === weight
      );
    },

    async servers(): Promise<FleetServer[]> {
      const [state, sessions] = await Promise.all([servers(), api.sessions(spec.backend)]);
      return [...state.values()].map((s) => ({
        name: s.name,
        address: s.address,
        state: adminState(s.admin),
        weight: s.weight,
        health: s.operational === 2 ? 'up' : s.operational === 0 ? 'down' : 'unknown',
        activeConnections: sessions.get(s.name)?.current ?? null,
      }));
    },
    async setServerState(name, state) {
      const command = serverCommand(spec.backend, name, { state });
      server(await servers(), name);
      await api.execute([command]);
      const now = adminState(server(await servers(), name).admin);
      if (now !== state) throw new Error(`${where}: server ${name} is in state ${now} after "set server … state ${state}"`);
    },
    async isDrained(name) {
      const state = await servers();
      if (adminState(server(state, name).admin) === 'ready') return false;
      const sessions = (await api.sessions(spec.backend)).get(name);
      if (!sessions) throw new Error(`${where}: "show stat" lists no server "${name}"`);
      return sessions.current === 0 && sessions.queued === 0;
    },
  };
}
