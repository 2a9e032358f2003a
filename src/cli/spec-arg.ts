// The --config option every spec-reading command shares.
import { resolve } from 'node:path';
import type { CliIO } from './command.js';
import { formatSpecError, loadSpecFile } from '../config/load.js';
import type { Spec } from '../config/schema.js';

export const DEFAULT_SPEC = '.github/rollout.yml';
export const SPEC_OPTION = { config: { type: 'string', short: 'c', default: DEFAULT_SPEC } } as const;

/** Loads and validates the spec; on errors prints them all and returns undefined (exit 2). */
export async function loadSpecArg(file: string | undefined, io: CliIO): Promise<Spec | undefined> {
  const path = file ?? DEFAULT_SPEC;
  const result = await loadSpecFile(resolve(io.cwd, path), path);
  if (result.ok) return result.spec;
  for (const error of result.errors) io.stderr.write(`${formatSpecError(error)}\n`);
  return undefined;
}
