// The spec argument every spec-reading command shares: `--config FILE` or the file as a positional.
import { resolve } from 'node:path';
import { UsageError, type CliIO } from './command.js';
import { formatSpecError, loadSpecFile } from '../config/load.js';
import { environmentNameProblem } from '../config/common.js';
import type { Spec } from '../config/schema.js';

export const DEFAULT_SPEC = '.github/rollout.yml';
export const SPEC_OPTION = { config: { type: 'string', short: 'c' } } as const;

/** The spec file named by `--config FILE` or a positional FILE (not both); undefined for the default. */
export function specFileArg(config: string | undefined, positionals: string[]): string | undefined {
  if (positionals.length > 1) throw new UsageError(`one spec file at a time (got ${positionals.length}: ${positionals.join(', ')})`);
  if (config !== undefined && positionals.length) throw new UsageError(`give the spec as --config or as FILE, not both`);
  return config ?? positionals[0];
}

/** An environment name given on the command line; it names files, so it follows the spec's rule. */
export function environmentArg(name: string): string {
  const problem = environmentNameProblem(name);
  if (problem) throw new UsageError(`--environment: ${problem}`);
  return name;
}

/** Loads and validates the spec; on errors prints them all and returns undefined (exit 2). */
export async function loadSpecArg(file: string | undefined, io: CliIO): Promise<Spec | undefined> {
  const path = file ?? DEFAULT_SPEC;
  // resolve() keeps an absolute path as it is and reads a relative one from the working directory.
  const result = await loadSpecFile(resolve(io.cwd, path), path);
  if (result.ok) return result.spec;
  for (const error of result.errors) io.stderr.write(`${formatSpecError(error)}\n`);
  return undefined;
}

/** A file of the environment in .rollgate/ (state, report); the name never leads out of that folder. */
export function rollgateFile(cwd: string, environment: string, suffix: '.json' | '-report.md'): string {
  const name = `${environmentArg(environment)}${suffix}`;
  // One path segment, checked as text: path.resolve over '.rollgate' made the bundler glob the disk.
  if (/[/\\]/.test(name) || name.startsWith('.')) throw new UsageError(`environment "${environment}" leaves .rollgate/`);
  return resolve(cwd, `.rollgate/${name}`);
}
