// One fixture pair per rule: fail.sql must raise the rule at the position its first line names
// (`-- expect: LINE:COL`), pass.sql (the safe form) must not raise it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/migrations/catalog.js';
import { INVALID_IGNORE, RULES, SYNTAX_ERROR } from '../../../src/migrations/rules/index.js';
import { lint } from './helpers.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/migrations/rules');
const rules = readdirSync(FIXTURES).sort();

function lintFixture(rule: string, kind: 'fail' | 'pass') {
  const catalog = new Catalog();
  const before = join(FIXTURES, rule, 'before.sql');
  if (existsSync(before)) lint(readFileSync(before, 'utf8'), {}, catalog);
  const text = readFileSync(join(FIXTURES, rule, `${kind}.sql`), 'utf8');
  return { text, findings: lint(text, {}, catalog).findings };
}

describe('rule fixtures', () => {
  it("has a fixture pair for every rule and for the linter's own findings", () => {
    expect(rules).toEqual([...RULES.map((r) => r.name), SYNTAX_ERROR, INVALID_IGNORE].sort());
  });

  for (const rule of rules) {
    it(`${rule}: the failing example is flagged at the expected line and column`, () => {
      const { text, findings } = lintFixture(rule, 'fail');
      const [, line, column] = /^-- expect: (\d+):(\d+)/.exec(text) ?? [];
      const hits = findings.filter((f) => f.rule === rule);
      expect(hits.map((f) => `${f.line}:${f.column}`)).toEqual([`${line}:${column}`]);
      expect(hits[0]!.message.length).toBeGreaterThan(20);
      expect(hits[0]!.recipe.length).toBeGreaterThan(20);
    });

    it(`${rule}: the safe form passes`, () => {
      const { findings } = lintFixture(rule, 'pass');
      expect(findings.filter((f) => f.rule === rule)).toEqual([]);
    });
  }
});
