// Runs the plan's commands with `sh -c`; the rollout's context goes in as environment variables.
import type { HookRunner } from '../ports.js';
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
          ROLLGATE_HOOK: name,
          ROLLGATE_STAGE: String(context.stage),
          ROLLGATE_WEIGHT: String(context.weight),
          ROLLGATE_ENVIRONMENT: context.environment,
          ROLLGATE_STABLE: context.stable,
          ROLLGATE_CANARY: context.canary,
        },
      });
      if (result.timedOut) return { ok: false, message: `timed out after ${Math.round(hook.timeoutMs / 1000)}s` };
      if (result.code !== 0)
        return { ok: false, message: `exit ${result.code ?? result.signal}: ${lastLine(result.stderr || result.stdout)}` };
      return { ok: true, message: lastLine(result.stdout) || 'ok' };
    },
  };
}
