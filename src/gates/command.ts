// Gate `command`: a user's check script. Exit 0 passes (non-zero fails), or, with `threshold`,
// the last number it prints is the measured value.
import { z } from 'zod';
import { defineGateProvider } from './provider.js';
import { envVars, duration } from '../config/common.js';
import { gatePolicy, threshold } from './fields.js';
import { parseDuration } from '../config/duration.js';
import { nonFiniteVerdict, parseThreshold, thresholdVerdict, type Threshold } from './judge/threshold.js';
import { commandEnv } from '../util/command-env.js';
import { lastLine, runShell } from '../util/exec.js';

export const commandGate = defineGateProvider({
  schema: z.strictObject({
    provider: z.literal('command'),
    command: z.string().min(1).describe('Run by `sh -c`; exit 0 passes, or the number it prints is compared with threshold.'),
    threshold: threshold.optional(),
    env: envVars.optional().describe('Extra environment variables for the command.'),
    timeout: duration.default('60s'),
    ...gatePolicy,
  }),
  create(name, spec, { env, cwd }) {
    const limit = spec.threshold ? (parseThreshold(spec.threshold) as Threshold) : undefined;
    return {
      name,
      provider: 'command',
      async measure(context) {
        const result = await runShell(spec.command, {
          cwd,
          timeoutMs: parseDuration(spec.timeout) ?? 60_000,
          ...(context.signal ? { signal: context.signal } : {}),
          env: {
            ...env,
            ...spec.env,
            ...commandEnv({
              gate: name,
              stage: context.stage,
              weight: context.weight,
              environment: context.environment,
              stable: context.stable,
              canary: context.canary,
              ...(context.flag ? { flag: context.flag, variation: context.variation ?? '' } : {}),
            }),
          },
        });
        const query = spec.command;
        if (result.timedOut) return { verdict: 'error', evidence: { query, summary: `timed out after ${spec.timeout}` } };
        if (!limit) {
          const ok = result.code === 0;
          return {
            verdict: ok ? 'pass' : 'fail',
            evidence: {
              query,
              value: result.code,
              threshold: 'exit 0',
              summary: ok ? 'exit 0' : `exit ${result.code ?? result.signal}: ${lastLine(result.stderr || result.stdout)}`,
            },
          };
        }
        if (result.code !== 0) {
          return {
            verdict: 'error',
            evidence: { query, summary: `exit ${result.code ?? result.signal}: ${lastLine(result.stderr || result.stdout)}` },
          };
        }
        const numbers = result.stdout.match(/-?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?/gi);
        const last = numbers?.[numbers.length - 1];
        if (last === undefined) {
          const verdict = spec.noData;
          return { verdict, evidence: { query, value: null, threshold: limit.text, summary: `printed no number (noData: ${verdict})` } };
        }
        // 1e999 parses to Infinity: no usable number, so no data (never a pass).
        if (!Number.isFinite(Number(last))) {
          const verdict = nonFiniteVerdict(spec.noData);
          return {
            verdict,
            evidence: { query, value: null, threshold: limit.text, summary: `${last} is not a finite number: no data (${verdict})` },
          };
        }
        const value = Number(last);
        const { verdict, summary } = thresholdVerdict(value, limit);
        return { verdict, evidence: { query, value, threshold: limit.text, summary } };
      },
    };
  },
});
