// Rollgate's version, from package.json (bundled at build time), so the CLI, the action's log and
// the package never disagree.
import pkg from '../package.json' with { type: 'json' };

export const VERSION: string = pkg.version;
