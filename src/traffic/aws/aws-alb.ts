// Traffic `aws-alb`: an Application Load Balancer listener (its default action, or one listener rule)
// forwarding to a stable and a canary target group with weights (ForwardConfig.TargetGroups[].Weight,
// 0–999): stable 100−w against canary w, changed in one ModifyListener/ModifyRule call, so both weights
// move at once. Every other action of the listener or rule (authentication, order, stickiness unless
// set here) is written back as it was read. Weights are read back from the load balancer, never remembered.
import type { Action, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { z } from 'zod';
import { checkWeight, defineTrafficProvider } from '../provider.js';
import type { ProviderEnv, TrafficRouter } from '../../ports.js';
import { unboundedDuration } from '../../config/common.js';
import { parseDuration } from '../../config/duration.js';
import { awsCall, awsClientConfig, awsFields } from '../../util/aws.js';

const ARN_PREFIX = 'arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\\d{12}:';
const arn = (resource: string, example: string) =>
  z.string().regex(new RegExp(`^${ARN_PREFIX}${resource}$`), { error: `expected an ARN such as ${example}` });

const EXAMPLE = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012';
export const listenerArn = arn(
  'listener/app/[A-Za-z0-9-]{1,32}/[0-9a-f]+/[0-9a-f]+',
  `${EXAMPLE}:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2`,
);
export const ruleArn = arn(
  'listener-rule/app/[A-Za-z0-9-]{1,32}/[0-9a-f]+/[0-9a-f]+/[0-9a-f]+',
  `${EXAMPLE}:listener-rule/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee`,
);
export const targetGroupArn = arn('targetgroup/[A-Za-z0-9-]{1,32}/[0-9a-f]+', `${EXAMPLE}:targetgroup/web-v2/73e2d6bc24d8a067`);

/** The range ALB enforces on a target group weight, and on a stickiness duration (1 s to 7 days). */
export const ALB_MAX_WEIGHT = 999;
const STICKINESS_MAX_SECONDS = 604_800;

/** The listener fields, shared with providers that route through an ALB (aws-ecs). */
export const albListenerFields = {
  listener: listenerArn.describe('ARN of the listener whose default action forwards to the two target groups (or that holds `rule`).'),
  rule: ruleArn.optional().describe('ARN of a listener rule to shift instead of the default action.'),
  stickiness: unboundedDuration
    .optional()
    .describe('Target group stickiness while both versions take traffic (1s to 7d); unset keeps what the listener has.'),
};

export function refineAlbListener(
  spec: { listener: string; rule?: string | undefined; stickiness?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  if (spec.rule && !spec.rule.replace(':listener-rule/', ':listener/').startsWith(`${spec.listener}/`))
    ctx.addIssue({ code: 'custom', path: ['rule'], message: 'is not a rule of `listener`' });
  if (spec.stickiness !== undefined) {
    const seconds = (parseDuration(spec.stickiness) ?? 0) / 1000;
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > STICKINESS_MAX_SECONDS)
      ctx.addIssue({ code: 'custom', path: ['stickiness'], message: 'ALB stickiness is a whole number of seconds from 1s to 7d' });
  }
}

const albSchema = z
  .strictObject({
    provider: z.literal('aws-alb'),
    ...awsFields,
    ...albListenerFields,
    stable: targetGroupArn.describe('ARN of the target group of the stable version.'),
    canary: targetGroupArn.describe('ARN of the target group of the canary version.'),
  })
  .superRefine((spec, ctx) => {
    refineAlbListener(spec, ctx);
    if (spec.stable === spec.canary) ctx.addIssue({ code: 'custom', path: ['canary'], message: 'is the same target group as stable' });
  });

export type AlbSpec = z.output<typeof albSchema>;

export const awsAlbTraffic = defineTrafficProvider({
  schema: albSchema,
  create: (spec, env) => createAlbRouter(spec, env),
});

/** Two weights as ALB takes them: whole numbers 0–999, not both 0. */
export function albWeights(weight: number): { stable: number; canary: number } {
  checkWeight(weight);
  const split = { stable: 100 - weight, canary: weight };
  for (const w of [split.stable, split.canary])
    if (w < 0 || w > ALB_MAX_WEIGHT) throw new Error(`ALB target group weights are 0..${ALB_MAX_WEIGHT} (got ${w})`);
  return split;
}

interface Forwarding {
  /** Every action of the listener or rule, as read. */
  actions: Action[];
  /** Index of the forward action among them. */
  index: number;
  stable: number;
  canary: number;
}

export function createAlbRouter(
  spec: Pick<AlbSpec, 'listener' | 'rule' | 'stickiness' | 'stable' | 'canary' | 'region' | 'endpoint'>,
  env: ProviderEnv,
  type = 'aws-alb',
): TrafficRouter {
  const where = spec.rule ? `ALB rule ${spec.rule}` : `ALB listener ${spec.listener}`;
  const config = awsClientConfig(spec, env, where);
  let sdk: Promise<{ client: ElasticLoadBalancingV2Client; m: typeof import('@aws-sdk/client-elastic-load-balancing-v2') }> | undefined;
  const load = () =>
    (sdk ??= import('@aws-sdk/client-elastic-load-balancing-v2').then((m) => ({
      client: new m.ElasticLoadBalancingV2Client(config),
      m,
    })));

  const read = async (): Promise<Forwarding> => {
    const { client, m } = await load();
    let actions: Action[] | undefined;
    if (spec.rule) {
      const answer = await awsCall(where, 'elasticloadbalancing:DescribeRules', () =>
        client.send(new m.DescribeRulesCommand({ RuleArns: [spec.rule!] })),
      );
      actions = answer.Rules?.find((r) => r.RuleArn === spec.rule)?.Actions;
    } else {
      const answer = await awsCall(where, 'elasticloadbalancing:DescribeListeners', () =>
        client.send(new m.DescribeListenersCommand({ ListenerArns: [spec.listener] })),
      );
      actions = answer.Listeners?.find((l) => l.ListenerArn === spec.listener)?.DefaultActions;
    }
    if (!actions) throw new Error(`${where} not found`);
    const index = actions.findIndex((a) => a.Type === 'forward');
    if (index < 0) throw new Error(`${where} has no forward action (actions: ${actions.map((a) => a.Type).join(', ') || 'none'})`);
    const forward = actions[index]!;
    const groups =
      forward.ForwardConfig?.TargetGroups ?? (forward.TargetGroupArn ? [{ TargetGroupArn: forward.TargetGroupArn, Weight: 1 }] : []);
    const others = groups.filter((g) => g.TargetGroupArn !== spec.stable && g.TargetGroupArn !== spec.canary);
    if (others.length)
      throw new Error(
        `${where} also forwards to ${others.map((g) => g.TargetGroupArn).join(', ')}: Rollgate shifts only between stable and canary`,
      );
    const weightOf = (arn: string) => groups.find((g) => g.TargetGroupArn === arn)?.Weight ?? 0;
    return { actions, index, stable: weightOf(spec.stable), canary: weightOf(spec.canary) };
  };

  const share = (f: Forwarding) => {
    if (f.stable + f.canary === 0) throw new Error(`${where}: both target groups have weight 0`);
    return Math.round((100 * f.canary) / (f.stable + f.canary));
  };

  return {
    type,
    async setWeight(weight) {
      const split = albWeights(weight);
      const now = await read();
      if (now.stable === split.stable && now.canary === split.canary) return;
      const forward = now.actions[now.index]!;
      const stickiness =
        spec.stickiness !== undefined
          ? { Enabled: true, DurationSeconds: Math.round((parseDuration(spec.stickiness) ?? 0) / 1000) }
          : forward.ForwardConfig?.TargetGroupStickinessConfig;
      const { TargetGroupArn: _single, ...rest } = forward;
      const actions = now.actions.map((action, i): Action => {
        if (i === now.index)
          return {
            ...rest,
            ForwardConfig: {
              TargetGroups: [
                { TargetGroupArn: spec.stable, Weight: split.stable },
                { TargetGroupArn: spec.canary, Weight: split.canary },
              ],
              ...(stickiness ? { TargetGroupStickinessConfig: stickiness } : {}),
            },
          };
        // ALB does not return the OIDC client secret: a modify keeps the one it has.
        if (action.AuthenticateOidcConfig && !action.AuthenticateOidcConfig.ClientSecret)
          return { ...action, AuthenticateOidcConfig: { ...action.AuthenticateOidcConfig, UseExistingClientSecret: true } };
        return action;
      });
      const { client, m } = await load();
      if (spec.rule)
        await awsCall(where, 'elasticloadbalancing:ModifyRule', () =>
          client.send(new m.ModifyRuleCommand({ RuleArn: spec.rule, Actions: actions })),
        );
      else
        await awsCall(where, 'elasticloadbalancing:ModifyListener', () =>
          client.send(new m.ModifyListenerCommand({ ListenerArn: spec.listener, DefaultActions: actions })),
        );
    },
    async getWeight() {
      return share(await read());
    },
    async verify(weight) {
      const now = await read();
      return now.stable + now.canary > 0 && 100 * now.canary === weight * (now.stable + now.canary);
    },
    async close() {
      await sdk?.then(
        ({ client }) => client.destroy(),
        () => undefined,
      );
    },
  };
}
