// Regenerates schema/rollgate.schema.json and schema/alert-webhook.schema.json from their zod schemas
// (a test fails when either is stale).
import { writeFileSync } from 'node:fs';
import { alertWebhookJsonSchemaText, specJsonSchemaText } from '../src/config/json-schema.js';

writeFileSync(new URL('../schema/rollgate.schema.json', import.meta.url), await specJsonSchemaText());
writeFileSync(new URL('../schema/alert-webhook.schema.json', import.meta.url), alertWebhookJsonSchemaText());
console.log('wrote schema/rollgate.schema.json and schema/alert-webhook.schema.json');
