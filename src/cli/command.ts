// A CLI command is one file in src/cli/commands/ exporting a CliCommand, listed (name, summary, loader) in commands/index.ts.
export interface CliIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: Record<string, string | undefined>;
  cwd: string;
  /** Aborted on Ctrl-C / SIGTERM. */
  signal: AbortSignal;
}

export interface CliCommand {
  /** The full text of `rollgate <name> --help`. */
  help: string;
  /** Returns the exit code (see EXIT in this file). */
  run(args: string[], io: CliIO): Promise<number>;
}

/** Exit codes, documented in the README. */
export const EXIT = {
  promoted: 0,
  ok: 0,
  rolledBack: 1,
  badInput: 2,
  paused: 3,
  error: 4,
} as const;

/** Thrown for bad arguments: the CLI prints the message and the command's usage, exit 2. */
export class UsageError extends Error {}
