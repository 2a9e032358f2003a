// Test-only clock: sleeping advances time at once, so hours of rollout take milliseconds.
import type { Clock } from '../../src/ports.js';

/** A clock whose sleep advances time at once: hours of rollout in milliseconds. */
export class FakeClock implements Clock {
  constructor(private time = Date.UTC(2026, 0, 1)) {}
  now(): number {
    return this.time;
  }
  async sleep(ms: number): Promise<void> {
    this.time += Math.max(0, ms);
  }
  advance(ms: number): void {
    this.time += ms;
  }
}
