// Property tests run with a fixed seed so CI is deterministic; FC_SEED=random (or a number)
// explores other inputs locally, and a failure prints the seed to reproduce it.
import fc from 'fast-check';

const seed = process.env.FC_SEED;
if (seed !== 'random') fc.configureGlobal({ seed: seed ? Number(seed) : 20261122 });
