// Details of what the rules consider safe: type changes, lock_timeout forms, batching, new tables.
import { describe, expect, it } from 'vitest';
import { columnType } from '../../../src/migrations/ast.js';
import { Catalog } from '../../../src/migrations/catalog.js';
import { parseMigration } from '../../../src/migrations/parse.js';
import { phaseOf } from '../../../src/migrations/phase.js';
import { isBinaryCoercible } from '../../../src/migrations/rules/rewrites.js';
import { found, lint, rulesOf } from './helpers.js';

const T = "SET lock_timeout = '1s';\n";

function typeOf(sql: string) {
  const parsed = parseMigration(`CREATE TABLE x (c ${sql});`);
  if (!parsed.ok) throw new Error(parsed.error.message);
  const node = parsed.statements[0]!.node;
  const column = 'CreateStmt' in node ? node.CreateStmt.tableElts?.[0] : undefined;
  return columnType(column && 'ColumnDef' in column ? column.ColumnDef.typeName : undefined)!;
}

describe('binary-coercible type changes', () => {
  const cases: [string, string, boolean][] = [
    ['varchar(10)', 'varchar(20)', true],
    ['varchar(20)', 'varchar(10)', false],
    ['varchar(10)', 'text', true],
    ['varchar(10)', 'varchar', true],
    ['text', 'varchar', true],
    ['text', 'varchar(10)', false],
    ['numeric(8,2)', 'numeric(12,2)', true],
    ['numeric(8,2)', 'numeric(12,3)', false],
    ['cidr', 'inet', true],
    ['integer', 'bigint', false],
    ['bigint', 'integer', false],
    ['timestamp', 'timestamptz', false],
    ['text[]', 'varchar[]', true],
    ['text', 'text[]', false],
    ['timestamp(3)', 'timestamp(6)', true],
    ['timestamp', 'timestamp(6)', true],
    ['timestamp', 'timestamp(3)', false],
    ['timestamptz(0)', 'timestamptz(3)', true],
    ['timestamptz(3)', 'timestamptz(0)', false],
    ['timestamptz(3)', 'timestamptz', true],
    ['time(2)', 'time(5)', true],
    ['time with time zone', 'time(3) with time zone', false],
    ['timetz(1)', 'timetz(4)', true],
    ['interval(3)', 'interval(6)', true],
    ['interval(6)', 'interval(3)', false],
    ['varbit(4)', 'varbit(8)', true],
    ['text', 'citext', true],
    ['varchar(10)', 'citext', true],
    ['citext', 'text', true],
    ['citext', 'varchar(10)', false],
  ];
  for (const [from, to, safe] of cases) {
    it(`${from} → ${to}: ${safe ? 'no rewrite' : 'rewrite'}`, () => expect(isBinaryCoercible(typeOf(from), typeOf(to))).toBe(safe));
  }

  it('is exact per PostgreSQL version: 9.2 features are not assumed for a 9.x target', () => {
    expect(isBinaryCoercible(typeOf('numeric(8,2)'), typeOf('numeric(12,2)'), 9)).toBe(false);
    expect(isBinaryCoercible(typeOf('numeric(8,2)'), typeOf('numeric(12,2)'), 10)).toBe(true);
    expect(isBinaryCoercible(typeOf('varchar(8)'), typeOf('varchar(12)'), 9)).toBe(true);
    const catalog = new Catalog();
    lint('CREATE TABLE t (p numeric(8,2));', {}, catalog);
    expect(rulesOf(`${T}ALTER TABLE t ALTER COLUMN p TYPE numeric(12,2);`, { postgresVersion: 9 })).toEqual(['alter-column-type']);
  });

  it('text ↔ citext is rewrite-free only on a column no index covers (the index is rebuilt)', () => {
    const catalog = new Catalog();
    lint('CREATE TABLE u (a text, b text UNIQUE, c varchar(40)); CREATE INDEX u_c ON u (lower(c));', {}, catalog);
    expect(found(`${T}ALTER TABLE u ALTER COLUMN a TYPE citext;`, {}, catalog)).toEqual([]);
    const flagged = lint(`${T}ALTER TABLE u ALTER COLUMN b TYPE citext, ALTER COLUMN c TYPE citext;`, {}, catalog).findings;
    expect(flagged.map((f) => f.rule)).toEqual(['alter-column-type', 'alter-column-type']);
    expect(flagged[0]!.message).toContain('every index on the column is rebuilt');
    lint('DROP INDEX u_c;', {}, catalog);
    expect(found(`${T}ALTER TABLE u ALTER COLUMN c TYPE citext;`, {}, catalog)).toEqual([]);
  });

  it('type-change-with-check: a CHECK on the column (by name or by expression) is re-checked; one the statement drops is not', () => {
    const catalog = new Catalog();
    lint('CREATE TABLE n (a varchar(5), b varchar(5), c varchar(5), CONSTRAINT ab CHECK (a <> b));', {}, catalog);
    expect(rulesOf(`${T}ALTER TABLE n ALTER COLUMN a TYPE varchar(9);`)).toEqual(['alter-column-type']);
    expect(lint(`${T}ALTER TABLE n ALTER COLUMN b TYPE varchar(9);`, {}, catalog).findings[0]?.message).toContain('CHECK ab');
    expect(found(`${T}ALTER TABLE n ALTER COLUMN c TYPE varchar(9);`, {}, catalog)).toEqual([]);
    expect(
      found(
        `${T}ALTER TABLE n DROP CONSTRAINT ab, ALTER COLUMN a TYPE varchar(9), ADD CONSTRAINT ab CHECK (a <> b) NOT VALID;`,
        {},
        catalog,
      ),
    ).toEqual([]);
    // A rewrite re-checks too, but alter-column-type says so: one finding, not two.
    expect(rulesOf(`${T}ALTER TABLE n ALTER COLUMN a TYPE int USING a::int;`)).toEqual(['alter-column-type']);
  });

  it('uses the type an earlier file gave the column; USING always rewrites; an unknown old type is flagged', () => {
    const catalog = new Catalog();
    lint('CREATE TABLE users (name varchar(50));', {}, catalog);
    expect(rulesOf(`${T}ALTER TABLE users ALTER COLUMN name TYPE text;`)).toEqual(['alter-column-type']);
    expect(found(`${T}ALTER TABLE users ALTER COLUMN name TYPE text;`, {}, catalog)).toEqual([]);
    expect(found(`${T}ALTER TABLE users ALTER COLUMN name TYPE text USING trim(name);`, {}, catalog)).toEqual(['alter-column-type@2:32']);
    expect(lint(`${T}ALTER TABLE orgs ALTER COLUMN name TYPE text;`).findings[0]!.message).toContain('old type is not in the migrations');
  });

  it('follows renames and drops in the catalog', () => {
    const catalog = new Catalog();
    lint('CREATE TABLE a (n varchar(5)); ALTER TABLE a RENAME COLUMN n TO m; ALTER TABLE a RENAME TO b;', {}, catalog);
    expect(catalog.columnType('b', 'm')).toEqual({ name: 'varchar', mods: [5], array: false });
    expect(catalog.columns('a')).toBeUndefined();
  });
});

describe('options read with their values, as PostgreSQL reads them', () => {
  for (const value of ['false', "'false'", 'off', 'OFF', '0', "'off'"]) {
    it(`REINDEX (CONCURRENTLY ${value}) blocks; VACUUM (FULL ${value}) does not rewrite`, () => {
      expect(rulesOf(`${T}REINDEX (CONCURRENTLY ${value}) INDEX i;`)).toEqual(['reindex-without-concurrently']);
      expect(rulesOf(`${T}VACUUM (FULL ${value}) t;`)).toEqual([]);
    });
  }
  for (const value of ['', ' true', " 'on'", ' 1', ' TRUE']) {
    it(`REINDEX (CONCURRENTLY${value}) is concurrent; VACUUM (FULL${value}) rewrites`, () => {
      expect(rulesOf(`-- migrate:up transaction:false\n${T}REINDEX (CONCURRENTLY${value}) INDEX i;`)).toEqual([]);
      expect(rulesOf(`${T}REINDEX (CONCURRENTLY${value}) INDEX i;`)).toEqual(['concurrently-in-transaction']);
      expect(rulesOf(`${T}VACUUM (FULL${value}) t;`)).toEqual(['vacuum-full-cluster']);
    });
  }
  it('the last of a repeated option wins; a value PostgreSQL refuses fails the statement (nothing to flag)', () => {
    expect(rulesOf(`${T}VACUUM (FULL, FULL false) t;`)).toEqual([]);
    expect(rulesOf(`${T}VACUUM (FULL 2) t;`)).toEqual([]);
    expect(rulesOf(`${T}REINDEX (CONCURRENTLY maybe) INDEX i;`)).toEqual([]);
  });
});

describe('tables created in the same file', () => {
  it('FOREIGN KEY … NOT VALID then VALIDATE, or CHECK, on a new table: nothing to block', () => {
    const sql = `${T}CREATE TABLE items (id bigint, order_id bigint, qty int);
ALTER TABLE items ADD CONSTRAINT items_order_fk FOREIGN KEY (order_id) REFERENCES orders (id) NOT VALID;
ALTER TABLE items VALIDATE CONSTRAINT items_order_fk;
ALTER TABLE items ADD CONSTRAINT qty_positive CHECK (qty > 0) NOT VALID;
ALTER TABLE items VALIDATE CONSTRAINT qty_positive;`;
    expect(found(sql)).toEqual([]);
    expect(rulesOf(sql.replace(/CREATE TABLE items[^;]*;/, ''))).toEqual(['foreign-key-without-not-valid', 'check-without-not-valid']);
  });

  it('DROP VIEW, REFRESH and ALTER DOMAIN on objects created in the same file pass', () => {
    const sql = `${T}CREATE VIEW v AS SELECT 1 AS id;\nDROP VIEW v;
CREATE MATERIALIZED VIEW mv AS SELECT 1 AS id;\nREFRESH MATERIALIZED VIEW mv;\nDROP MATERIALIZED VIEW mv;
CREATE DOMAIN positive AS int;\nALTER DOMAIN positive ADD CONSTRAINT p CHECK (VALUE > 0);`;
    expect(found(sql)).toEqual([]);
  });
});

describe('missing-lock-timeout', () => {
  it('also covers DROP VIEW, a plain REFRESH and a checking ALTER DOMAIN, not a concurrent refresh or NOT VALID', () => {
    expect(rulesOf('DROP VIEW v;')).toEqual(['drop-view', 'missing-lock-timeout']);
    expect(rulesOf('REFRESH MATERIALIZED VIEW mv;')).toEqual(['refresh-without-concurrently', 'missing-lock-timeout']);
    expect(rulesOf('ALTER DOMAIN d ADD CONSTRAINT c CHECK (VALUE > 0);')).toEqual([
      'domain-check-without-not-valid',
      'missing-lock-timeout',
    ]);
    expect(rulesOf('ALTER DOMAIN d SET NOT NULL;')).toEqual(['domain-check-without-not-valid', 'missing-lock-timeout']);
    expect(rulesOf('ALTER DOMAIN d DROP NOT NULL;')).toEqual([]);
    expect(rulesOf('REFRESH MATERIALIZED VIEW CONCURRENTLY mv;')).toEqual([]);
    expect(rulesOf('ALTER DOMAIN d ADD CONSTRAINT c CHECK (VALUE > 0) NOT VALID;')).toEqual([]);
  });

  const alter = 'ALTER TABLE users ADD COLUMN x text;';
  it('speaks once per file, at the first locking statement', () => {
    expect(found(`${alter}\n${alter}`)).toEqual(['missing-lock-timeout@1:1']);
  });
  it('SET lock_timeout = 0 and RESET do not count; set_config does', () => {
    expect(rulesOf(`SET lock_timeout = 0;\n${alter}`)).toEqual(['missing-lock-timeout']);
    expect(rulesOf(`SET lock_timeout = '0';\n${alter}`)).toEqual(['missing-lock-timeout']);
    expect(rulesOf(`SET lock_timeout = '1s';\nRESET lock_timeout;\n${alter}`)).toEqual(['missing-lock-timeout']);
    expect(rulesOf(`SET lock_timeout TO 500;\n${alter}`)).toEqual([]);
    expect(rulesOf(`SELECT set_config('lock_timeout', '2s', true);\n${alter}`)).toEqual([]);
  });
  it('statements that block no writer need no timeout', () => {
    expect(
      rulesOf('CREATE TABLE n (id bigint);\nALTER TABLE n ADD COLUMN x text;\nALTER TABLE users VALIDATE CONSTRAINT c;\nSELECT 1;'),
    ).toEqual([]);
  });
});

describe('unbatched-write', () => {
  it('flags a whole-table or open-ended write and accepts a LIMIT batch or a bounded key range', () => {
    expect(rulesOf(`${T}DELETE FROM events;`)).toEqual(['unbatched-write']);
    expect(rulesOf(`${T}DELETE FROM events WHERE created_at < now() - interval '90 days';`)).toEqual(['unbatched-write']);
    expect(rulesOf(`${T}UPDATE users SET a = 1 WHERE id BETWEEN 1 AND 1000;`)).toEqual([]);
    expect(rulesOf(`${T}UPDATE users SET a = 1 WHERE ctid = ANY (ARRAY(SELECT ctid FROM users WHERE a IS NULL LIMIT 500));`)).toEqual([]);
  });
  it('a table created in the same file is not live yet', () => {
    expect(rulesOf('CREATE TABLE n (id bigint);\nUPDATE n SET id = 1;')).toEqual([]);
  });
});

describe('new tables are exempt from lock and breaking rules, not from hygiene', () => {
  it('indexes, constraints and drops on a table created earlier in the file pass', () => {
    const sql = [
      'CREATE TABLE t (id bigint, email text, doc json);',
      'CREATE INDEX t_email ON t (email);',
      'ALTER TABLE t ADD CONSTRAINT t_email_key UNIQUE (email);',
      'ALTER TABLE t ALTER COLUMN email SET NOT NULL;',
      'DROP INDEX t_email;',
      'DROP TABLE t;',
    ].join('\n');
    expect(found(sql)).toEqual(['json-column@1:44']);
  });
});

describe('phases', () => {
  const phase = (sql: string) => {
    const parsed = parseMigration(sql);
    if (!parsed.ok) throw new Error(parsed.error.message);
    return parsed.statements.map((s) => phaseOf(s.node));
  };
  it('classifies expand, migrate and contract steps', () => {
    expect(
      phase(
        'CREATE TABLE a (id int); ALTER TABLE a ADD COLUMN b int; UPDATE a SET b = 1; ALTER TABLE a VALIDATE CONSTRAINT c; ALTER TABLE a DROP COLUMN b; ALTER TABLE a RENAME TO z; SET x = 1;',
      ),
    ).toEqual(['expand', 'expand', 'migrate', 'migrate', 'contract', 'contract', 'other']);
  });
});

describe('parsing', () => {
  it('places statements by characters, not bytes, after non-ASCII text', () => {
    expect(found("-- häßlich ünïcode\nSET lock_timeout = '1s'; /* ü */ DROP TABLE öl;")).toEqual(['drop-table@2:34']);
  });
  it('a file that does not parse is one error finding at the failing token', () => {
    const result = lint('SELECT 1;\nALTER TABLE t ADD CONSTRAINT;\n');
    expect(result.findings.map((f) => `${f.rule}@${f.line}:${f.column}:${f.severity}`)).toEqual(['syntax-error@2:29:error']);
  });
  it('an empty file or one with only comments has no finding', () => {
    expect(found('')).toEqual([]);
    expect(found('-- nothing\n/* here */\n')).toEqual([]);
  });
});

describe('NOT VALID then VALIDATE', () => {
  const add = 'ALTER TABLE orders ADD CONSTRAINT qty_positive CHECK (qty > 0) NOT VALID;';
  const validate = 'ALTER TABLE orders VALIDATE CONSTRAINT qty_positive;';
  it('VALIDATE in the transaction that added the constraint still scans under ACCESS EXCLUSIVE', () => {
    const result = lint(`${T}${add}\n${validate}`);
    expect(result.findings.map((f) => `${f.rule}@${f.line}:${f.column}`)).toEqual(['check-without-not-valid@3:1']);
    expect(result.findings[0]!.message).toContain('same transaction');
    const fk = lint(
      `${T}ALTER TABLE o ADD CONSTRAINT o_fk FOREIGN KEY (u) REFERENCES u (id) NOT VALID;\nALTER TABLE o VALIDATE CONSTRAINT o_fk;`,
    );
    expect(fk.findings.map((f) => f.rule)).toEqual(['foreign-key-without-not-valid']);
  });
  it("after a COMMIT, in another file, or without the runner's transaction, VALIDATE is the safe step", () => {
    expect(found(`${T}BEGIN;\n${add}\nCOMMIT;\n${validate}`, { transactionPerFile: false })).toEqual([]);
    expect(found(`${T}${validate}`)).toEqual([]);
    expect(found(`${T}${add}\n${validate}`, { transactionPerFile: false })).toEqual([]);
  });
});

describe('SET NOT NULL with a valid CHECK (c IS NOT NULL)', () => {
  const steps = (validated: boolean) =>
    [
      'ALTER TABLE users ADD CONSTRAINT users_email_nn CHECK (email IS NOT NULL) NOT VALID;',
      validated ? 'ALTER TABLE users VALIDATE CONSTRAINT users_email_nn;' : 'SELECT 1;',
    ].join('\n');
  it('is not flagged on PostgreSQL 12+, where the check spares the scan', () => {
    const catalog = new Catalog();
    lint(`-- migrate:up transaction:false\n${T}${steps(true)}`, {}, catalog);
    expect(found(`${T}ALTER TABLE users ALTER COLUMN email SET NOT NULL;`, {}, catalog)).toEqual([]);
  });
  it('is flagged when the check is not validated, or before PostgreSQL 12', () => {
    const unvalidated = new Catalog();
    lint(`${T}${steps(false)}`, {}, unvalidated);
    expect(found(`${T}ALTER TABLE users ALTER COLUMN email SET NOT NULL;`, {}, unvalidated)).toEqual(['set-not-null@2:1']);
    const old = new Catalog();
    lint(`-- migrate:up transaction:false\n${T}${steps(true)}`, { postgresVersion: 11 }, old);
    expect(found(`${T}ALTER TABLE users ALTER COLUMN email SET NOT NULL;`, { postgresVersion: 11 }, old)).toEqual(['set-not-null@2:1']);
  });
});

describe('missing-lock-timeout and foreign keys', () => {
  it('LOCK TABLE in SHARE mode or stronger counts; a weaker mode does not', () => {
    expect(found('LOCK TABLE orders IN ACCESS EXCLUSIVE MODE;')).toEqual(['missing-lock-timeout@1:1']);
    expect(found('LOCK TABLE orders IN ROW EXCLUSIVE MODE;')).toEqual([]);
  });
  it('CREATE TABLE with a foreign key to an existing table locks that table', () => {
    expect(
      found(
        'CREATE TABLE a (id bigint PRIMARY KEY);\nCREATE TABLE b (a_id bigint REFERENCES a (id));\nCREATE TABLE c (user_id bigint REFERENCES users (id));',
      ),
    ).toEqual(['missing-lock-timeout@3:1']);
  });
});
