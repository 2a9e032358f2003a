// Runs the plan's commands with `sh -c`; the rollout's context goes in as environment variables.
import type { HookRunner } from '../ports.js';
import { commandEnv } from '../util/command-env.js';
import { lastLine, runShell } from '../util/exec.js';

export function shellHooks(env: Record<string, string | undefined>, cwd: string): HookRunner {
  return {
    async run(name, hook, context) {
      const result = await runShell(hook.command, {
        cwd,
        timeoutMs: hook.timeoutMs,
        ...(context.signal ? { signal: context.signal } : {}),
        env: {
          ...env,
          ...hook.env,
          ...commandEnv({
            hook: name,
            stage: context.stage,
            weight: context.weight,
            environment: context.environment,
            stable: context.stable,
            canary: context.canary,
          }),
        },
      });
      if (result.timedOut) return { ok: false, message: `timed out after ${Math.round(hook.timeoutMs / 1000)}s` };
      if (result.code !== 0)
        return { ok: false, message: `exit ${result.code ?? result.signal}: ${lastLine(result.stderr || result.stdout)}` };
      return { ok: true, message: lastLine(result.stdout) || 'ok' };
    },
  };
}
