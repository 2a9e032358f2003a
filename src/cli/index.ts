#!/usr/bin/env node
// The `rollgate` binary. Ctrl-C / SIGTERM abort the signal (a running rollout rolls back);
// a second Ctrl-C exits at once.
import { main } from './main.js';

const controller = new AbortController();
let interrupts = 0;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130);
    process.stderr.write(`\n${signal}: stopping (rolling back if a rollout is running); again to exit now\n`);
    controller.abort(new Error(signal));
  });
}

const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  signal: controller.signal,
});
process.exitCode = code;
