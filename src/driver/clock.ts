import type { Clock } from '../ports.js';

/** setTimeout holds at most 2^31−1 ms (about 24.8 days); a longer delay would fire after 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      // Long sleeps wait in steps a timer can hold; a non-finite one is refused rather than spun on.
      if (Number.isNaN(ms) || ms === Infinity) return reject(new Error(`cannot sleep ${ms} ms`));
      const until = Date.now() + Math.max(0, ms);
      let timer: NodeJS.Timeout;
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const wait = () => {
        const left = until - Date.now();
        if (left <= 0) {
          signal?.removeEventListener('abort', onAbort);
          return resolve();
        }
        timer = setTimeout(wait, Math.min(left, MAX_TIMER_MS));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      timer = setTimeout(wait, Math.min(Math.max(0, ms), MAX_TIMER_MS));
    }),
};
