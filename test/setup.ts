// Property tests run with a fixed seed so CI is deterministic; FC_SEED=random (or a number)
// explores other inputs locally, and a failure prints the seed to reproduce it.
import fc from 'fast-check';
import { loadWholeSchema } from '../src/config/schema.js';

const seed = process.env.FC_SEED;
if (seed !== 'random') fc.configureGlobal({ seed: seed ? Number(seed) : 20261122 });

// parseSpec (synchronous) validates with the providers and sections already loaded; the CLI and the
// action load only those a spec has (parseSpecLoadingProviders), so tests load them all.
await loadWholeSchema();
