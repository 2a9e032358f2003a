// The JSON Schema of the spec, generated from the zod schema (editors validate rollout.yml with it).
import { z } from 'zod';
import { loadWholeSchema, specSchema } from './schema.js';
import { webhookBody } from '../report/alerts/webhook.js';

export async function specJsonSchema(): Promise<Record<string, unknown>> {
  await loadWholeSchema();
  const schema = z.toJSONSchema(specSchema(), { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    $schema: schema.$schema,
    $id: 'https://github.com/rollgate/rollgate/schema/rollgate.schema.json',
    title: 'Rollgate rollout spec',
    description: 'A progressive rollout: traffic stages, metric gates, approvals and rollback. See README.md.',
    ...schema,
  };
}

export async function specJsonSchemaText(): Promise<string> {
  return `${JSON.stringify(await specJsonSchema(), null, 2)}\n`;
}

/** The JSON Schema of a webhook alert's body (receivers validate what Rollgate sends with it). */
export function alertWebhookJsonSchemaText(): string {
  const schema = z.toJSONSchema(webhookBody, { io: 'output' }) as Record<string, unknown>;
  return `${JSON.stringify(
    {
      $schema: schema.$schema,
      $id: 'https://github.com/rollgate/rollgate/schema/alert-webhook.schema.json',
      title: 'Rollgate webhook alert',
      description: 'The JSON body Rollgate POSTs to a webhook alert channel; signed in X-Rollgate-Signature (sha256=HMAC of the body).',
      ...schema,
    },
    null,
    2,
  )}\n`;
}
