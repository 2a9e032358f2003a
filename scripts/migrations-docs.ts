// Rewrites the generated tables of docs/migrations.md (rules, locks) from src/migrations/rules.
// Run: npx tsx scripts/migrations-docs.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { regenerate } from '../src/migrations/docs.js';

const file = join(import.meta.dirname, '..', 'docs', 'migrations.md');
writeFileSync(file, regenerate(readFileSync(file, 'utf8')));
