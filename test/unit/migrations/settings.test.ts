// The settings that change what is safe: PostgreSQL version, transaction wrapping, rule levels, inline ignores.
import { describe, expect, it } from 'vitest';
import { parseMigrationsSettings } from '../../../src/migrations/config.js';
import { parseSpec } from '../../../src/config/load.js';
import { found, lint, rulesOf } from './helpers.js';

describe('postgresVersion', () => {
  const constantDefault = "SET lock_timeout = '1s';\nALTER TABLE users ADD COLUMN active boolean NOT NULL DEFAULT true;\n";
  it('PostgreSQL 10 rewrites the table for any default', () => {
    const findings = lint(constantDefault, { postgresVersion: 10 }).findings;
    expect(findings.map((f) => f.rule)).toEqual(['add-column-rewrite']);
    expect(findings[0]!.message).toContain('before PostgreSQL 11 any DEFAULT');
  });
  it('PostgreSQL 11 stores a constant default without a rewrite', () => {
    expect(rulesOf(constantDefault, { postgresVersion: 11 })).toEqual([]);
  });
  it('a volatile default rewrites on every version', () => {
    const sql = "SET lock_timeout = '1s';\nALTER TABLE users ADD COLUMN jitter float8 DEFAULT random();\n";
    expect(rulesOf(sql, { postgresVersion: 11 })).toEqual(['add-column-rewrite']);
    expect(rulesOf(sql, { postgresVersion: 17 })).toEqual(['add-column-rewrite']);
  });
  it('a stable default (now()) is computed once on 11+, and an explicit NULL default is no default', () => {
    expect(
      rulesOf("SET lock_timeout = '1s';\nALTER TABLE t ADD COLUMN a timestamptz DEFAULT now(), ADD COLUMN b text DEFAULT NULL;"),
    ).toEqual([]);
  });
  it('serial and identity columns fill every row from a sequence', () => {
    expect(rulesOf("SET lock_timeout = '1s';\nALTER TABLE t ADD COLUMN n bigserial;")).toEqual(['add-column-rewrite']);
    expect(rulesOf("SET lock_timeout = '1s';\nALTER TABLE t ADD COLUMN n bigint GENERATED ALWAYS AS IDENTITY;")).toEqual([
      'add-column-rewrite',
    ]);
  });
  it('set-not-null says that before 12 no CHECK can spare the scan', () => {
    const sql = "SET lock_timeout = '1s';\nALTER TABLE t ALTER COLUMN c SET NOT NULL;";
    expect(lint(sql, { postgresVersion: 11 }).findings[0]!.message).toContain('before PostgreSQL 12');
    expect(lint(sql, { postgresVersion: 15 }).findings[0]!.message).not.toContain('before PostgreSQL 12');
  });
});

describe('transaction wrapping', () => {
  const concurrent = "SET lock_timeout = '1s';\nCREATE INDEX CONCURRENTLY i ON t (a);\n";
  it('by default the runner wraps each file, so CONCURRENTLY fails', () => {
    expect(found(concurrent)).toEqual(['concurrently-in-transaction@2:1']);
  });
  it('transactionPerFile: false lets CONCURRENTLY run', () => {
    expect(found(concurrent, { transactionPerFile: false })).toEqual([]);
  });
  it('a file may opt out with the dbmate or graphile-migrate marker', () => {
    expect(found(`-- migrate:up transaction:false\n${concurrent}`)).toEqual([]);
    expect(found(`--! no-transaction\n${concurrent}`)).toEqual([]);
  });
  it('an explicit BEGIN … COMMIT wraps only what is between them', () => {
    const sql = 'BEGIN;\nDROP INDEX CONCURRENTLY a;\nCOMMIT;\nDROP INDEX CONCURRENTLY b;\n';
    expect(found(sql, { transactionPerFile: false })).toEqual(['concurrently-in-transaction@2:1']);
  });
});

describe('rules: per-rule levels', () => {
  const sql = "SET lock_timeout = '1s';\nCREATE TABLE t (id bigint PRIMARY KEY, doc json);\nALTER TABLE users DROP COLUMN a;\n";
  it('off silences a rule, warning and error override its severity', () => {
    const findings = lint(sql, { rules: { 'drop-column': 'off', 'json-column': 'error' } }).findings;
    expect(findings.map((f) => `${f.rule}:${f.severity}`)).toEqual(['json-column:error']);
    expect(lint(sql, { rules: { 'drop-column': 'warning' } }).findings.find((f) => f.rule === 'drop-column')!.severity).toBe('warning');
  });
});

describe('inline ignore', () => {
  it('silences the named rule on the next statement only, and records the reason', () => {
    const sql = [
      "SET lock_timeout = '1s';",
      '-- rollgate-ignore drop-column: column unread since release 41',
      'ALTER TABLE users DROP COLUMN a;',
      'ALTER TABLE users DROP COLUMN b;',
    ].join('\n');
    const result = lint(sql);
    expect(result.findings.map((f) => `${f.rule}@${f.line}`)).toEqual(['drop-column@4']);
    expect(result.ignored).toEqual([{ rule: 'drop-column', line: 3, reason: 'column unread since release 41' }]);
  });
  it('a trailing comment applies to its own statement; several rules may be listed', () => {
    const sql =
      'CREATE INDEX i ON users (a); -- rollgate-ignore index-without-concurrently, missing-lock-timeout: users has 40 rows\nCREATE INDEX j ON users (b);';
    expect(found(sql)).toEqual(['index-without-concurrently@2:1']);
  });
  it('a block comment works too', () => {
    expect(found("SET lock_timeout = '1s';\n/* rollgate-ignore drop-table: emptied and unused since v3 */ DROP TABLE old;")).toEqual([]);
  });
  it('without a reason the ignore is refused and reported', () => {
    const sql = "SET lock_timeout = '1s';\n-- rollgate-ignore drop-table\nDROP TABLE old;";
    expect(found(sql)).toEqual(['invalid-ignore@2:1', 'drop-table@3:1']);
  });
  it('an unknown rule name is reported', () => {
    const result = lint("SET lock_timeout = '1s';\n-- rollgate-ignore drop-tabel: typo\nDROP TABLE old;");
    expect(result.findings.map((f) => f.rule)).toEqual(['invalid-ignore', 'drop-table']);
    expect(result.findings[0]!.message).toContain('drop-tabel');
  });
  it('rollgate-ignore inside a string literal is not a directive', () => {
    expect(found("SET lock_timeout = '1s';\nSELECT '-- rollgate-ignore drop-table: nope';\nDROP TABLE old;")).toEqual(['drop-table@3:1']);
  });
});

describe('settings from the spec', () => {
  it('reads the migrations: section alone, without traffic or stages', () => {
    const result = parseMigrationsSettings(
      'migrations:\n  paths: ["db/**/*.sql"]\n  postgresVersion: 10\n  rules: { drop-column: warning }\n',
      'rollout.yml',
    );
    expect(result.ok && result.settings).toEqual({
      paths: ['db/**/*.sql'],
      postgresVersion: 10,
      transactionPerFile: true,
      rules: { 'drop-column': 'warning' },
    });
  });
  it('defaults when the section is absent', () => {
    const result = parseMigrationsSettings('version: 1\n', 'rollout.yml');
    expect(result.ok && result.settings.postgresVersion).toBe(15);
  });
  it('places errors at file:line:col', () => {
    const result = parseMigrationsSettings(
      'version: 1\nmigrations:\n  postgresVersion: 8\n  transactionPerFil: false\n  rules:\n    drop-colum: off\n',
      'rollout.yml',
    );
    expect(result.ok).toBe(false);
    const errors = result.ok ? [] : result.errors.map((e) => `${e.line}:${e.column} ${e.path}`);
    expect(errors).toEqual(
      expect.arrayContaining([
        '3:20 migrations.postgresVersion',
        '4:22 migrations.transactionPerFil',
        '6:17 migrations.rules["drop-colum"]',
      ]),
    );
  });
  it('the rollout spec accepts a migrations: key', () => {
    const spec = parseSpec(
      'version: 1\ntraffic: { provider: embedded, url: "http://127.0.0.1:9/_rollgate" }\nstages: [{ weight: 100 }]\nmigrations: { postgresVersion: 12 }\n',
    );
    expect(spec.ok && spec.spec.migrations?.postgresVersion).toBe(12);
  });
});
