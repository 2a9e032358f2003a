// Strategy rolling, as a TrafficRouter: the "weight" is the share of servers on the new version.
// Raising it updates the next servers a batch at a time — drain (no new requests), wait for the
// in-flight ones, deploy, wait until ready, put back — and lowering it rolls them back the same way,
// including a server whose update failed half-way.
import type { Clock, Logger, RouteContext, TrafficRouter } from '../ports.js';
import type { Rolling } from '../config/strategies.js';
import { parseDuration } from '../config/duration.js';
import { lastLine, runShell } from '../util/exec.js';
import { drainServer, type FleetRouter, type FleetServer } from './fleet.js';

export interface RollingOptions {
  env: Record<string, string | undefined>;
  cwd: string;
  clock: Clock;
  log: Logger;
}

const ms = (text: string) => parseDuration(text) ?? 0;

export function createRollingRouter(fleet: TrafficRouter & FleetRouter, rolling: Rolling, options: RollingOptions): TrafficRouter {
  const targets = rolling.targets;
  const n = targets.length;
  let updated: number | undefined;
  /**
   * Targets whose update has begun: a failed batch leaves some drained or half-deployed. Unknown in a
   * process that did not move them (the post step, `abort` from another job): the run that died may
   * have begun any batch beyond the recorded share, so a rollback then covers every target.
   */
  let touched: number | undefined;
  const countFor = (weight: number) => Math.round((weight * n) / 100);

  const addressOf = async (name: string): Promise<FleetServer> => {
    const server = (await fleet.servers()).find((s) => s.name === name);
    if (!server) throw new Error(`${fleet.type} has no server "${name}" (rolling.targets)`);
    return server;
  };

  const waitReady = async (server: FleetServer, isReady: () => Promise<boolean>) => {
    const timeoutMs = ms(rolling.readiness?.timeout ?? '60s');
    const started = options.clock.now();
    for (;;) {
      if (await isReady()) return;
      if (options.clock.now() - started >= timeoutMs)
        throw new Error(`${server.name} not ready after ${rolling.readiness?.timeout ?? '60s'}`);
      await options.clock.sleep(ms(rolling.readiness?.interval ?? '1s'));
    }
  };

  /** Back in rotation once it answers. A deploy command often returns before the service listens. */
  const putBack = async (server: FleetServer) => {
    if (rolling.readiness) {
      // Probed directly while still out of rotation, so no request meets a server still starting.
      const url = rolling.readiness.url.replaceAll('{{target}}', server.name).replaceAll('{{address}}', server.address);
      const probe = async () => {
        const response = await fetch(url, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
        await response?.body?.cancel();
        return response?.ok === true;
      };
      await waitReady(server, probe);
      await fleet.setServerState(server.name, 'ready');
    } else {
      // Without a readiness URL the router's own health check decides, where it has one.
      await fleet.setServerState(server.name, 'ready');
      await waitReady(server, async () => (await addressOf(server.name)).health !== 'down');
    }
  };

  /** One server to a version: out of rotation without cutting anyone off, deployed, back in. */
  const replace = async (name: string, version: 'canary' | 'stable', context: RouteContext) => {
    // A run that lost the environment (an abort from another job) stops before its next server.
    await context.holds?.();
    const server = await addressOf(name);
    const drain = await drainServer(fleet, name, { timeoutMs: ms(rolling.drainTimeout), clock: options.clock });
    if (!drain.drained) options.log.warn(`${name}: requests still in flight after ${rolling.drainTimeout}; deploying anyway`);
    await fleet.setServerState(name, 'maint');
    const result = await runShell(rolling.deploy, {
      cwd: options.cwd,
      timeoutMs: ms(rolling.timeout),
      env: { ...options.env, ...rolling.env, ROLLGATE_TARGET: name, ROLLGATE_TARGET_ADDRESS: server.address, ROLLGATE_VERSION: version },
    });
    if (result.code !== 0)
      throw new Error(
        `deploy of ${version} to ${name} failed: exit ${result.code ?? result.signal}: ${lastLine(result.stderr || result.stdout)}`,
      );
    await putBack(server);
    options.log.info(`${name}: ${version} in rotation (drained in ${drain.waitedMs} ms)`);
  };

  const inBatches = async (names: string[], version: 'canary' | 'stable', context: RouteContext) => {
    for (let i = 0; i < names.length; i += rolling.maxUnavailable) {
      const batch = names.slice(i, i + rolling.maxUnavailable);
      if (version === 'canary') touched = Math.max(touched ?? 0, targets.indexOf(batch[batch.length - 1]!) + 1);
      await Promise.all(batch.map((name) => replace(name, version, context)));
    }
  };

  /** Spare servers carry extra capacity while the fleet is mixed, so a batch never lowers it. */
  const setSurge = async (on: boolean, context: RouteContext) => {
    const spares = rolling.surge.slice(0, rolling.maxSurge);
    for (const name of spares) {
      if (on) await replace(name, 'canary', context);
      else {
        await drainServer(fleet, name, { timeoutMs: ms(rolling.drainTimeout), clock: options.clock });
        await fleet.setServerState(name, 'maint');
      }
    }
  };

  return {
    type: `rolling(${fleet.type})`,
    async setWeight(weight: number, context: RouteContext) {
      const from = context.from !== undefined ? countFor(context.from) : (updated ?? 0);
      const to = countFor(weight);
      const reach = Math.max(from, touched ?? (context.rollback ? n : 0));
      if (to > from) {
        if (from === 0) await setSurge(true, context);
        await inBatches(targets.slice(from, to), 'canary', context);
        if (to === n) await setSurge(false, context);
      } else if (to < reach) {
        // The way back also covers the servers of a batch that failed before the router confirmed it.
        await inBatches(targets.slice(to, reach).reverse(), 'stable', context);
        if (to === 0) await setSurge(false, context);
      }
      updated = to;
      touched = to;
    },
    async getWeight() {
      return Math.round((100 * (updated ?? 0)) / n);
    },
    async verify(weight: number) {
      if (updated !== countFor(weight)) return false;
      const servers = await fleet.servers();
      return targets.every((name) => servers.find((s) => s.name === name)?.state === 'ready');
    },
    close: fleet.close?.bind(fleet),
  };
}
