// Issue #16: a sleep longer than a Node timer holds (2^31−1 ms, about 24.8 days) waits, instead of
// firing after 1 ms and spinning; a non-finite one is refused.
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/driver/clock.js';

describe('systemClock.sleep bounds', () => {
  it('does not fire early for a delay past the timer limit', async () => {
    const controller = new AbortController();
    let settled = false;
    const sleeping = systemClock.sleep(2 ** 31 + 60_000, controller.signal).then(
      () => (settled = true),
      () => 'aborted',
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(settled).toBe(false);
    controller.abort();
    expect(await sleeping).toBe('aborted');
  });
  it('refuses Infinity and NaN', async () => {
    await expect(systemClock.sleep(Infinity)).rejects.toThrow(/cannot sleep Infinity ms/);
    await expect(systemClock.sleep(NaN)).rejects.toThrow(/cannot sleep NaN ms/);
  });
});
