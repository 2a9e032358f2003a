// Traffic `command`: any router a script can drive. The weight goes in as environment variables;
// an optional `verify` command prints the weight in force so the change can be read back.
import { z } from 'zod';
import { defineTrafficProvider } from './provider.js';
import { duration, envVars, versionName } from '../config/common.js';
import { parseDuration } from '../config/duration.js';
import { commandEnv } from '../util/command-env.js';
import { lastLine, runShell } from '../util/exec.js';

export const commandTraffic = defineTrafficProvider({
  schema: z.strictObject({
    provider: z.literal('command'),
    command: z
      .string()
      .min(1)
      .describe(
        'Run by `sh -c` to set the canary weight. It gets ROLLGATE_WEIGHT, ROLLGATE_STABLE_WEIGHT, ROLLGATE_STAGE, ' +
          'ROLLGATE_ENVIRONMENT, ROLLGATE_ROLLBACK, ROLLGATE_STABLE and ROLLGATE_CANARY as environment variables.',
      ),
    verify: z.string().min(1).optional().describe('Prints the canary weight in force; read back after each change.'),
    stable: versionName.default('stable').describe('Name of the stable version, for templates and reports.'),
    canary: versionName.default('canary').describe('Name of the canary version, for templates and reports.'),
    env: envVars.optional().describe('Extra environment variables for the commands.'),
    timeout: duration.default('60s'),
  }),
  create(spec, { env, cwd }) {
    const timeoutMs = parseDuration(spec.timeout) ?? 60_000;
    const base = { ...env, ...spec.env, ...commandEnv({ stable: spec.stable, canary: spec.canary }) };
    let last: number | undefined;
    const readBack = async (): Promise<number> => {
      const result = await runShell(spec.verify!, { cwd, timeoutMs, env: base });
      if (result.code !== 0) throw new Error(`verify command exited ${result.code ?? result.signal}: ${lastLine(result.stderr)}`);
      const weight = Number(result.stdout.trim().split(/\s+/).pop());
      if (!Number.isFinite(weight)) throw new Error(`verify command printed no weight: ${JSON.stringify(result.stdout.slice(0, 80))}`);
      return weight;
    };
    return {
      type: 'command',
      async setWeight(weight, context) {
        const result = await runShell(spec.command, {
          cwd,
          timeoutMs,
          env: {
            ...base,
            ...commandEnv({ weight, stage: context.stage, environment: context.environment, rollback: context.rollback }),
          },
        });
        if (result.timedOut) throw new Error(`traffic command timed out after ${spec.timeout}`);
        if (result.code !== 0)
          throw new Error(`traffic command exited ${result.code ?? result.signal}: ${lastLine(result.stderr || result.stdout)}`);
        last = weight;
      },
      async getWeight() {
        if (spec.verify) return readBack();
        if (last === undefined) throw new Error('the command router has set no weight yet and has no verify command');
        return last;
      },
      async verify(weight) {
        return (spec.verify ? await readBack() : last) === weight;
      },
    };
  },
});
