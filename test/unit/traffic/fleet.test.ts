// drainServer: drain, then wait until the router says nothing is in flight, or give up at the timeout.
// Real routers drain in test/integration/traffic/; here the router is a scripted one on a fake clock.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../harness/clock.js';
import { drainServer, isFleetRouter, type FleetRouter, type ServerAdminState } from '../../../src/traffic/fleet.js';

function scriptedFleet(inFlightUntil: number, clock: FakeClock) {
  const calls: string[] = [];
  const fleet: FleetRouter = {
    type: 'scripted',
    servers: async () => [],
    async setServerState(name: string, state: ServerAdminState) {
      calls.push(`${name}:${state}`);
    },
    isDrained: async () => clock.now() >= inFlightUntil,
  };
  return { fleet, calls };
}

describe('drainServer', () => {
  it('sets drain first and returns once the server is idle', async () => {
    const clock = new FakeClock(0);
    const { fleet, calls } = scriptedFleet(1_500, clock);
    expect(await drainServer(fleet, 'web-1', { timeoutMs: 10_000, pollMs: 200, clock })).toEqual({ drained: true, waitedMs: 1_600 });
    expect(calls).toEqual(['web-1:drain']);
  });

  it('gives up at the timeout when requests stay in flight', async () => {
    const clock = new FakeClock(0);
    const { fleet } = scriptedFleet(Infinity, clock);
    expect(await drainServer(fleet, 'web-1', { timeoutMs: 1_000, pollMs: 300, clock })).toEqual({ drained: false, waitedMs: 1_000 });
  });

  it('tells fleet routers from plain traffic routers', () => {
    const plain = { type: 'command', setWeight: async () => undefined, getWeight: async () => 0, verify: async () => true };
    expect(isFleetRouter(plain)).toBe(false);
    expect(isFleetRouter({ ...plain, ...scriptedFleet(0, new FakeClock()).fleet })).toBe(true);
  });
});
