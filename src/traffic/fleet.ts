// Fleet control: what a rolling update needs from a router besides the canary split. Take one server
// out of rotation without cutting anyone off (drain), see when nothing is in flight on it any more,
// put it back (ready). HAProxy does this live; NGINX by re-rendering and a graceful reload.
import type { Clock, TrafficRouter } from '../ports.js';

/** ready: takes new requests. drain: no new requests, in-flight ones finish. maint: out of rotation. */
export type ServerAdminState = 'ready' | 'drain' | 'maint';

export interface FleetServer {
  /** The name the router knows the server by (HAProxy server name, NGINX address). */
  name: string;
  address: string;
  state: ServerAdminState;
  /** Weight in force in the router. */
  weight: number;
  /** The router's health checks, where it has them. */
  health: 'up' | 'down' | 'unknown';
  /** Requests in progress on the server, or null when the router cannot count them per server. */
  activeConnections: number | null;
}

export interface FleetRouter {
  readonly type: string;
  /** The servers behind the router, read back from it. */
  servers(): Promise<FleetServer[]>;
  /** Resolves once the router has the state in force (read back). */
  setServerState(name: string, state: ServerAdminState): Promise<void>;
  /** True when the server takes no new requests and none is in flight on it any more. */
  isDrained(name: string): Promise<boolean>;
}

/**
 * Per-server weights for a canary share: with s stable and c canary servers, each stable server gets
 * (100−w)·c and each canary server w·s, so the canary's share of the sum is exactly w %. Reduced to
 * lowest terms: HAProxy's and NGINX's weighted round robin cycle through the sum of the weights, so
 * small numbers keep every stretch of requests close to the split (HAProxy drifts by several points
 * after a few changes between weights like 75/25 and 50/50, not between 3/1 and 1/1). 0 takes no traffic.
 */
export function splitWeights(weight: number, stableCount: number, canaryCount: number): { stable: number; canary: number } {
  const stable = (100 - weight) * canaryCount;
  const canary = weight * stableCount;
  const divisor = gcd(stable, canary) || 1;
  return { stable: stable / divisor, canary: canary / divisor };
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

export function isFleetRouter(router: TrafficRouter): router is TrafficRouter & FleetRouter {
  const candidate = router as Partial<FleetRouter>;
  return (
    typeof candidate.servers === 'function' && typeof candidate.setServerState === 'function' && typeof candidate.isDrained === 'function'
  );
}

export interface DrainResult {
  /** False when the timeout came first: requests were still in flight. */
  drained: boolean;
  waitedMs: number;
}

/** Drains a server and waits until nothing is in flight on it, or the timeout. */
export async function drainServer(
  fleet: FleetRouter,
  name: string,
  options: { timeoutMs: number; pollMs?: number; clock: Clock; signal?: AbortSignal },
): Promise<DrainResult> {
  const started = options.clock.now();
  await fleet.setServerState(name, 'drain');
  for (;;) {
    if (await fleet.isDrained(name)) return { drained: true, waitedMs: options.clock.now() - started };
    const waited = options.clock.now() - started;
    if (waited >= options.timeoutMs || options.signal?.aborted) return { drained: false, waitedMs: waited };
    await options.clock.sleep(Math.min(options.pollMs ?? 200, options.timeoutMs - waited), options.signal).catch(() => undefined);
  }
}
