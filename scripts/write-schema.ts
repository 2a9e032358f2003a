// Regenerates schema/rollgate.schema.json from the zod schema (a test fails when it is stale).
import { writeFileSync } from 'node:fs';
import { specJsonSchemaText } from '../src/config/json-schema.js';

writeFileSync(new URL('../schema/rollgate.schema.json', import.meta.url), specJsonSchemaText());
console.log('wrote schema/rollgate.schema.json');
