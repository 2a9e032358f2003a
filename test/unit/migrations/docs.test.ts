// docs/migrations.md shows the rule table and the lock table generated from the rules: stale → fail.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { regenerate, renderLockTable } from '../../../src/migrations/docs.js';
import { RULES } from '../../../src/migrations/rules/index.js';

const DOCS = join(import.meta.dirname, '../../../docs/migrations.md');

describe('docs/migrations.md', () => {
  it('holds the current generated tables (run `npx tsx scripts/migrations-docs.ts` after changing a rule)', () => {
    const text = readFileSync(DOCS, 'utf8');
    expect(regenerate(text)).toBe(text);
  });

  it('lists a lock claim for every lock and rewrite rule, each with a safe form', () => {
    for (const rule of RULES.filter((r) => r.category === 'lock' || r.category === 'rewrite')) {
      if (rule.name === 'concurrently-in-transaction') continue; // fails the migration; takes no lock of its own
      expect(rule.locks?.length, rule.name).toBeGreaterThan(0);
    }
    const table = renderLockTable();
    expect(table).toContain('| CREATE INDEX | SHARE | writes (reads go on), for the whole index build |');
    expect(table.split('\n').length).toBe(2 + RULES.reduce((n, r) => n + (r.locks?.length ?? 0), 0));
  });
});
