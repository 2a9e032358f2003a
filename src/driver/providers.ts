// Builds the traffic router and the gates a spec names. Nothing here touches traffic yet.
import type { Spec } from '../spec/schema.js';
import type { Gate, ProviderEnv, TrafficRouter } from '../ports.js';
import { createRouter } from '../traffic/registry.js';
import { createGate } from '../gates/registry.js';

export function buildProviders(spec: Spec, env: ProviderEnv): { router: TrafficRouter; gates: Record<string, Gate> } {
  const gates: Record<string, Gate> = {};
  for (const [name, gate] of Object.entries(spec.gates)) gates[name] = createGate(name, gate, env);
  return { router: createRouter(spec.traffic, env), gates };
}
