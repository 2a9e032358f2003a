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

export function buildProviders(spec: Spec, env: ProviderEnv, clock: Clock = systemClock): Providers {
  const gates: Record<string, Gate> = {};
  for (const [name, gate] of Object.entries(spec.gates)) gates[name] = createGate(name, gate, env);
  let router = createRouter(spec.traffic, env);
  if (spec.strategy === 'rolling' && spec.rolling) {
    if (!isFleetRouter(router))
      throw new Error(`strategy rolling needs a router that can drain servers (haproxy or nginx), not ${spec.traffic.provider}`);
    router = createRollingRouter(router, spec.rolling, { env: env.env, cwd: env.cwd, clock, log: env.log });
  }
  return { router, gates, hooks: shellHooks(env.env, env.cwd) };
}
