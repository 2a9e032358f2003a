// Everything dist/ runs, in one bundle (dist/index.js). Each entry of dist/<name>/index.js is a
// small shim written by scripts/build.mjs that imports one of these and calls it. Each entry
// loads its own code on demand, so `rollgate --help` does not load the action, nor the action the CLI.
import { VERSION } from './version.js';

export async function runCliProcess(): Promise<void> {
  (await import('./cli/bin.js')).runCliProcess();
}

export async function runActionMain(): Promise<void> {
  // The step's first log line, before its modules load: which Rollgate, doing what.
  // The command is named only when it is a plain word: an input must not reach the log as a workflow command.
  const command = process.env.INPUT_COMMAND?.trim() || 'rollout';
  process.stdout.write(`Rollgate ${VERSION}: ${/^[a-z-]{1,32}$/.test(command) ? command : 'starting'}\n`);
  await (await import('./action/main.js')).run();
}

export async function runActionPost(): Promise<void> {
  await (await import('./action/post.js')).run();
}
