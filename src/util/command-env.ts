// The environment a user's command gets (traffic and gate commands, blue-green deploy and retire):
// the rollout's context as ROLLGATE_* variables, in one place so every command sees the same names.

export interface CommandContext {
  /** Stage number as users see it (1-based, see src/ports.ts). */
  stage?: number;
  weight?: number;
  environment?: string;
  stable?: string;
  canary?: string;
  /** Traffic commands: true when this change returns traffic to the stable version. */
  rollback?: boolean;
  gate?: string;
  hook?: string;
  /** Feature-flag rollouts: the flag's key and the variation rolled out. */
  flag?: string;
  variation?: string;
}

/** ROLLGATE_* variables for the fields given (ROLLGATE_STABLE_WEIGHT goes with the weight). */
export function commandEnv(context: CommandContext): Record<string, string> {
  const env: Record<string, string> = {};
  if (context.hook !== undefined) env.ROLLGATE_HOOK = context.hook;
  if (context.gate !== undefined) env.ROLLGATE_GATE = context.gate;
  if (context.stage !== undefined) env.ROLLGATE_STAGE = String(context.stage);
  if (context.weight !== undefined) {
    env.ROLLGATE_WEIGHT = String(context.weight);
    env.ROLLGATE_STABLE_WEIGHT = String(100 - context.weight);
  }
  if (context.environment !== undefined) env.ROLLGATE_ENVIRONMENT = context.environment;
  if (context.rollback !== undefined) env.ROLLGATE_ROLLBACK = context.rollback ? 'true' : 'false';
  if (context.stable !== undefined) env.ROLLGATE_STABLE = context.stable;
  if (context.canary !== undefined) env.ROLLGATE_CANARY = context.canary;
  if (context.flag !== undefined) {
    env.ROLLGATE_FLAG = context.flag;
    env.ROLLGATE_VARIATION = context.variation ?? '';
  }
  return env;
}
