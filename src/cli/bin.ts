// The `rollgate` process: Ctrl-C / SIGTERM abort the signal (a running rollout rolls back);
// a second Ctrl-C exits at once. dist/cli/index.js calls this.
import { main } from './main.js';

export function runCliProcess(): void {
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
  void main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    signal: controller.signal,
  }).then((code) => {
    process.exitCode = code;
  });
}
