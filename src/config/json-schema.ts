// The JSON Schema of the spec, generated from the zod schema (editors validate rollout.yml with it).
import { z } from 'zod';
import { specSchema } from './schema.js';

export function specJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(specSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    $schema: schema.$schema,
    $id: 'https://github.com/rollgate/rollgate/schema/rollgate.schema.json',
    title: 'Rollgate rollout spec',
    description: 'A progressive rollout: traffic stages, metric gates, approvals and rollback. See README.md.',
    ...schema,
  };
}

export function specJsonSchemaText(): string {
  return `${JSON.stringify(specJsonSchema(), null, 2)}\n`;
}
