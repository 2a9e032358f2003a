// Alert channel `webhook`: the alert as JSON (its shape: schema/alert-webhook.schema.json, generated
// from `webhookBody` below), signed with HMAC-SHA256 over the exact body bytes in
// `X-Rollgate-Signature: sha256=<hex>` with a secret named by an environment variable.
import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { envVarName } from '../../util/credentials.js';
import { ALERT_EVENTS, type Alert, type AlertChannel } from './alert.js';

export const webhookFields = {
  channel: z.literal('webhook'),
  secretEnv: envVarName.optional().describe('Environment variable holding the HMAC-SHA256 signing secret (X-Rollgate-Signature).'),
};

const text = z.string().max(10_000);
/** The documented body of a webhook alert. */
export const webhookBody = z.strictObject({
  schemaVersion: z.literal(1),
  id: text.describe('Unique per rollout and event: receivers use it to act once.'),
  event: z.enum(ALERT_EVENTS),
  at: z.iso.datetime().describe('When it happened (UTC).'),
  headline: text,
  environment: text,
  strategy: z.enum(['canary', 'blue-green', 'rolling']),
  stable: text,
  canary: text,
  status: text.describe('The rollout state: progressing, awaiting-approval, paused, rolling-back, rolled-back, promoted, failed.'),
  stage: z.strictObject({ number: z.int().min(1), of: z.int().min(1), weight: z.number().min(0).max(100) }),
  reason: text.optional(),
  evidence: z
    .strictObject({
      gate: text.optional(),
      summary: text,
      measured: text.optional(),
      threshold: text.optional(),
      canary: text.optional(),
      baseline: text.optional(),
      query: text.optional(),
      link: text.optional(),
    })
    .optional(),
  links: z.strictObject({ run: text.optional(), pullRequest: text.optional(), deployment: text.optional() }),
});
export type WebhookBody = z.output<typeof webhookBody>;

export function webhookPayload(alert: Alert): WebhookBody {
  return {
    schemaVersion: 1,
    id: alert.id,
    event: alert.event,
    at: new Date(alert.at).toISOString(),
    headline: alert.headline,
    environment: alert.environment,
    strategy: alert.strategy as WebhookBody['strategy'],
    stable: alert.stable,
    canary: alert.canary,
    status: alert.status,
    stage: { number: alert.stage, of: alert.stages, weight: alert.weight },
    ...(alert.reason ? { reason: alert.reason } : {}),
    ...(alert.evidence ? { evidence: alert.evidence } : {}),
    links: alert.links,
  };
}

export function webhookSignature(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export const webhookChannel = (secret: string | undefined): AlertChannel => ({
  label: 'webhook',
  request(alert) {
    const body = JSON.stringify(webhookPayload(alert));
    return {
      body,
      headers: {
        'X-Rollgate-Event': alert.event,
        'X-Rollgate-Delivery': alert.id,
        ...(secret ? { 'X-Rollgate-Signature': webhookSignature(body, secret) } : {}),
      },
    };
  },
});
