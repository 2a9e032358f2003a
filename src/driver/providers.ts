// Builds what a spec names: the traffic router (wrapped for a rolling fleet), the gates and the
// command runner for hooks. Nothing here touches traffic yet.
import type { Spec } from '../config/schema.js';
import type { Clock, Gate, HookRunner, ProviderEnv, TrafficRouter } from '../ports.js';
import { createRouter } from '../traffic/registry.js';
import { createGate } from '../gates/registry.js';
import { isFleetRouter } from '../traffic/fleet.js';
import { createRollingRouter } from '../traffic/rolling.js';
import { shellHooks } from './hooks.js';
import { systemClock } from './clock.js';

export interface Providers {
  router: TrafficRouter;
  gates: Record<string, Gate>;
  hooks: HookRunner;
}

/** What the router is built from: the post step keeps exactly this from the main step. */
export type RouterSpec = Pick<Spec, 'strategy' | 'traffic' | 'rolling'>;

export function buildProviders(spec: Spec, env: ProviderEnv, clock: Clock = systemClock): Providers {
  const gates: Record<string, Gate> = {};
  for (const [name, gate] of Object.entries(spec.gates)) gates[name] = createGate(name, gate, env);
  return { router: buildRouter(spec, env, clock), gates, hooks: shellHooks(env.env, env.cwd) };
}

export function buildRouter(spec: RouterSpec, env: ProviderEnv, clock: Clock = systemClock): TrafficRouter {
  const router = createRouter(spec.traffic, env);
  if (spec.strategy !== 'rolling' || !spec.rolling) return router;
  if (!isFleetRouter(router))
    throw new Error(`strategy rolling needs a router that can drain servers (haproxy or nginx), not ${spec.traffic.provider}`);
  return createRollingRouter(router, spec.rolling, { env: env.env, cwd: env.cwd, clock, log: env.log });
}
