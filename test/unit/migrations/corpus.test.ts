// The labelled corpus of bench/migrations.ts as a regression bar: every case labelled a hazard is
// flagged (style rules aside), and no case labelled safe gets an error.
import { describe, expect, it } from 'vitest';
import { CASES, SCHEMA } from '../../../bench/migration-cases.js';
import { Catalog } from '../../../src/migrations/catalog.js';
import { RULES } from '../../../src/migrations/rules/index.js';
import { lint } from './helpers.js';

const HYGIENE = new Set(RULES.filter((rule) => rule.category === 'hygiene').map((rule) => rule.name));

function verdict(sql: string) {
  const catalog = new Catalog();
  lint(SCHEMA, { transactionPerFile: false }, catalog);
  return lint(sql, { transactionPerFile: false, postgresVersion: 15 }, catalog).findings.filter((f) => !HYGIENE.has(f.rule));
}

describe('labelled corpus (bench/migration-cases.ts)', () => {
  it('has unique ids and a hazard in every class', () => {
    expect(new Set(CASES.map((c) => c.id)).size).toBe(CASES.length);
    for (const kind of new Set(CASES.map((c) => c.kind))) {
      const effects = CASES.filter((c) => c.kind === kind).map((c) => c.effect);
      expect(
        effects.some((e) => e !== 'safe'),
        kind,
      ).toBe(true);
    }
  });

  for (const c of CASES) {
    it(`${c.id} (${c.effect}): ${c.effect === 'safe' ? 'no error' : 'flagged'}`, () => {
      const findings = verdict(c.sql);
      if (c.effect === 'safe') expect(findings.filter((f) => f.severity === 'error')).toEqual([]);
      else expect(findings.length).toBeGreaterThan(0);
    });
  }
});
