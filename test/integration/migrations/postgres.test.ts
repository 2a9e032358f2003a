// Every lock and rewrite rule, proven on a real PostgreSQL: the flagged statement blocks a concurrent
// writer (lock_timeout expires, SQLSTATE 55P03; pg_locks shows the mode) or rewrites the table
// (pg_class.relfilenode changes), and the rule's safe form does not. Each case also lints both forms,
// so the rule and the database agree.
import type pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/migrations/catalog.js';
import { lintSql } from '../../../src/migrations/lint.js';
import { loadParser } from '../../../src/migrations/parse.js';
import { migrationsSchema } from '../../../src/migrations/settings.js';
import { startPostgres, type Postgres } from '../../harness/postgres.js';

let db: Postgres;
let admin: pg.Client;
let nextId = 100_000;
/** Lock modes that conflict with the ROW EXCLUSIVE lock every INSERT / UPDATE / DELETE takes. */
const WRITE_BLOCKING = ['ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock'];

beforeAll(async () => {
  await loadParser();
  db = await startPostgres();
  admin = await db.session();
});
afterAll(async () => db?.stop());

beforeEach(async () => {
  await admin.query(`
    DROP TABLE IF EXISTS child, parent CASCADE;
    CREATE TABLE parent (id bigint PRIMARY KEY, email text, v int, name varchar(10));
    INSERT INTO parent SELECT g, 'u' || g || '@example.com', g, 'n' || g FROM generate_series(1, 2000) g;
    CREATE INDEX parent_email_idx ON parent (email);
    CREATE TABLE child (id bigint PRIMARY KEY, parent_id bigint, qty int);
    INSERT INTO child SELECT g, g, g FROM generate_series(1, 2000) g;
  `);
});

/** The rules the linter raises on `sql` (each file as a migration runner that wraps it, unless marked). */
function lintRules(sql: string): string[] {
  return lintSql(`SET lock_timeout = '1s';\n${sql}`, 'case.sql', migrationsSchema.parse({})).findings.map((f) => f.rule);
}

/** A write as the application makes it (the new code sets parent.email). */
const insertInto = (table: string) => {
  const id = nextId++;
  return table === 'parent'
    ? `INSERT INTO parent (id, email) VALUES (${id}, 'w${id}@example.com')`
    : `INSERT INTO ${table} (id) VALUES (${id})`;
};

/** Runs `write` with a short lock_timeout: true when it had to give up waiting for a lock. */
async function writeBlocked(write: string): Promise<boolean> {
  const writer = await db.session();
  try {
    await writer.query("SET lock_timeout = '300ms'");
    await writer.query(write);
    return false;
  } catch (error) {
    if ((error as { code?: string }).code === '55P03') return true;
    throw error;
  } finally {
    await writer.end();
  }
}

/**
 * Runs `statement` in an open transaction (as a migration runner does) and, while it holds its locks,
 * tries each write. Returns the lock modes the statement holds on `table` and which writes blocked.
 */
async function whileHeld(statement: string, table: string, writes: string[]): Promise<{ modes: string[]; blocked: boolean[] }> {
  const ddl = await db.session();
  try {
    const pid = await pidOf(ddl);
    await ddl.query('BEGIN');
    await ddl.query(statement);
    const { rows } = await admin.query<{ mode: string }>(
      'SELECT mode FROM pg_locks WHERE pid = $1 AND relation = $2::regclass AND granted ORDER BY mode',
      [pid, table],
    );
    const blocked: boolean[] = [];
    for (const write of writes) blocked.push(await writeBlocked(write));
    return { modes: rows.map((r) => r.mode), blocked };
  } finally {
    await ddl.query('ROLLBACK');
    await ddl.end();
  }
}

/**
 * The lock queue: a session holds `holderSql` open (a write by default), `statement` starts (outside a
 * transaction, as CONCURRENTLY needs), and once it waits (or is done) a writer tries `write`. Returns
 * whether the writer blocked, what the statement waited for, and how the statement ended.
 */
async function queuedBehind(statement: string, options: { holderSql?: string; write?: string } = {}) {
  const holder = await db.session();
  const ddl = await db.session();
  const pid = await pidOf(ddl);
  await holder.query('BEGIN');
  await holder.query(options.holderSql ?? insertInto('parent'));
  let settled = false;
  const outcome = ddl
    .query(statement)
    .then(
      () => 'ok',
      (error: { code?: string }) => `error ${error.code ?? '?'}`,
    )
    .finally(() => (settled = true));
  let waiting: { locktype: string; mode: string }[] = [];
  for (let i = 0; i < 250 && !settled; i++) {
    const { rows } = await admin.query<{ locktype: string; mode: string }>(
      'SELECT locktype, mode FROM pg_locks WHERE pid = $1 AND NOT granted',
      [pid],
    );
    if (rows.length) {
      waiting = rows;
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const blocked = await writeBlocked(options.write ?? insertInto('parent'));
  await holder.query('COMMIT');
  const result = await outcome;
  await Promise.all([holder.end(), ddl.end()]);
  return { blocked, waiting, result };
}

async function pidOf(client: pg.Client): Promise<number> {
  return (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
}

async function filenode(table: string): Promise<string> {
  return (await admin.query<{ n: string }>('SELECT pg_relation_filenode($1::regclass)::text AS n', [table])).rows[0]!.n;
}

async function rewrites(statement: string, table = 'parent'): Promise<boolean> {
  const before = await filenode(table);
  await admin.query(statement);
  return (await filenode(table)) !== before;
}

describe(`real PostgreSQL`, () => {
  it('runs the server from the Debian package', () => {
    expect(db.version).toBeGreaterThanOrEqual(11);
  });
});

describe('lock rules: the flagged statement blocks writers, the safe form does not', () => {
  it('set-not-null: SET NOT NULL holds ACCESS EXCLUSIVE; VALIDATE of a NOT VALID check holds SHARE UPDATE EXCLUSIVE, and then SET NOT NULL skips the scan', async () => {
    const flagged = 'ALTER TABLE parent ALTER COLUMN email SET NOT NULL';
    expect(lintRules(flagged)).toContain('set-not-null');
    const held = await whileHeld(flagged, 'parent', [insertInto('parent')]);
    expect(held.modes).toContain('AccessExclusiveLock');
    expect(held.blocked).toEqual([true]);

    const prepare = 'ALTER TABLE parent ADD CONSTRAINT parent_email_nn CHECK (email IS NOT NULL) NOT VALID';
    const validate = 'ALTER TABLE parent VALIDATE CONSTRAINT parent_email_nn';
    expect(lintRules(`-- migrate:up transaction:false\n${prepare};\n${validate};`)).toEqual([]);
    await admin.query(prepare);
    const safe = await whileHeld(validate, 'parent', [insertInto('parent')]);
    expect(safe.modes).toContain('ShareUpdateExclusiveLock');
    expect(safe.modes.filter((mode) => WRITE_BLOCKING.includes(mode))).toEqual([]);
    expect(safe.blocked).toEqual([false]);

    await admin.query(validate);
    const messages: string[] = [];
    const onNotice = (notice: { message?: string }) => messages.push(notice.message ?? '');
    admin.on('notice', onNotice);
    await admin.query('SET client_min_messages = debug1; ALTER TABLE parent ALTER COLUMN email SET NOT NULL; RESET client_min_messages');
    admin.off('notice', onNotice);
    expect(messages.join('\n')).toContain(
      'existing constraints on column "parent.email" are sufficient to prove that it does not contain nulls',
    );
  });

  it('check-without-not-valid: ADD CHECK scans under ACCESS EXCLUSIVE; the NOT VALID + VALIDATE form scans under SHARE UPDATE EXCLUSIVE', async () => {
    const flagged = 'ALTER TABLE parent ADD CONSTRAINT v_positive CHECK (v > 0)';
    expect(lintRules(flagged)).toContain('check-without-not-valid');
    const held = await whileHeld(flagged, 'parent', [insertInto('parent')]);
    expect(held.modes).toContain('AccessExclusiveLock');
    expect(held.blocked).toEqual([true]);

    // Both steps in one transaction: the ADD's ACCESS EXCLUSIVE lock is still held while VALIDATE scans.
    const oneTransaction =
      'ALTER TABLE parent ADD CONSTRAINT v_positive CHECK (v > 0) NOT VALID;\nALTER TABLE parent VALIDATE CONSTRAINT v_positive;';
    expect(lintRules(oneTransaction)).toContain('check-without-not-valid');
    const together = await whileHeld(oneTransaction, 'parent', [insertInto('parent')]);
    expect(together.modes).toContain('AccessExclusiveLock');
    expect(together.blocked).toEqual([true]);

    await admin.query('ALTER TABLE parent ADD CONSTRAINT v_positive CHECK (v > 0) NOT VALID');
    expect(lintRules(`-- migrate:up transaction:false\n${oneTransaction}`)).toEqual([]);
    const safe = await whileHeld('ALTER TABLE parent VALIDATE CONSTRAINT v_positive', 'parent', [insertInto('parent')]);
    expect(safe.modes).toContain('ShareUpdateExclusiveLock');
    expect(safe.modes.filter((mode) => WRITE_BLOCKING.includes(mode))).toEqual([]);
    expect(safe.blocked).toEqual([false]);
  });

  it('foreign-key-without-not-valid: ADD FOREIGN KEY blocks writes to both tables; VALIDATE blocks neither', async () => {
    const flagged = 'ALTER TABLE child ADD CONSTRAINT child_parent_fk FOREIGN KEY (parent_id) REFERENCES parent (id)';
    expect(lintRules(flagged)).toContain('foreign-key-without-not-valid');
    const held = await whileHeld(flagged, 'child', [insertInto('child'), insertInto('parent')]);
    expect(held.modes).toContain('ShareRowExclusiveLock');
    expect(held.blocked).toEqual([true, true]);

    await admin.query(`${flagged} NOT VALID`);
    expect(
      lintRules(`-- migrate:up transaction:false\n${flagged} NOT VALID;\nALTER TABLE child VALIDATE CONSTRAINT child_parent_fk;`),
    ).toEqual([]);
    const safe = await whileHeld('ALTER TABLE child VALIDATE CONSTRAINT child_parent_fk', 'child', [
      insertInto('child'),
      insertInto('parent'),
    ]);
    expect(safe.modes).toContain('ShareUpdateExclusiveLock');
    expect(safe.modes.filter((mode) => WRITE_BLOCKING.includes(mode))).toEqual([]);
    expect(safe.blocked).toEqual([false, false]);
  });

  it('unique-without-index: ADD UNIQUE builds under ACCESS EXCLUSIVE; CREATE UNIQUE INDEX CONCURRENTLY lets writes through, then USING INDEX attaches it', async () => {
    const flagged = 'ALTER TABLE parent ADD CONSTRAINT parent_email_key UNIQUE (email)';
    expect(lintRules(flagged)).toContain('unique-without-index');
    const held = await whileHeld(flagged, 'parent', [insertInto('parent')]);
    expect(held.modes).toContain('AccessExclusiveLock');
    expect(held.blocked).toEqual([true]);

    const build = 'CREATE UNIQUE INDEX CONCURRENTLY parent_email_key ON parent (email)';
    const attach = 'ALTER TABLE parent ADD CONSTRAINT parent_email_key UNIQUE USING INDEX parent_email_key';
    expect(lintRules(`--! no-transaction\n${build};\n${attach};`)).toEqual([]);
    const safe = await queuedBehind(build);
    expect(safe).toMatchObject({ blocked: false, result: 'ok' });
    await admin.query(attach);
    const { rows } = await admin.query("SELECT 1 FROM pg_constraint WHERE conname = 'parent_email_key' AND contype = 'u'");
    expect(rows).toHaveLength(1);
  });

  it('index-without-concurrently: CREATE INDEX queues for SHARE and writers queue behind it; CONCURRENTLY waits without blocking them', async () => {
    const flagged = 'CREATE INDEX parent_v_idx ON parent (v)';
    expect(lintRules(flagged)).toContain('index-without-concurrently');
    const blocking = await queuedBehind(flagged);
    expect(blocking.waiting).toEqual([{ locktype: 'relation', mode: 'ShareLock' }]);
    expect(blocking).toMatchObject({ blocked: true, result: 'ok' });

    const safe = 'CREATE INDEX CONCURRENTLY parent_v_idx2 ON parent (v)';
    expect(lintRules(`--! no-transaction\n${safe};`)).toEqual([]);
    const concurrent = await queuedBehind(safe);
    expect(concurrent.waiting).toEqual([{ locktype: 'virtualxid', mode: 'ShareLock' }]);
    expect(concurrent).toMatchObject({ blocked: false, result: 'ok' });
  });

  it('drop-index-without-concurrently: DROP INDEX queues for ACCESS EXCLUSIVE; DROP INDEX CONCURRENTLY does not block writers', async () => {
    const flagged = 'DROP INDEX parent_email_idx';
    expect(lintRules(flagged)).toContain('drop-index-without-concurrently');
    const blocking = await queuedBehind(flagged);
    expect(blocking.waiting).toEqual([{ locktype: 'relation', mode: 'AccessExclusiveLock' }]);
    expect(blocking).toMatchObject({ blocked: true, result: 'ok' });

    await admin.query('CREATE INDEX parent_email_idx ON parent (email)');
    const safe = 'DROP INDEX CONCURRENTLY parent_email_idx';
    expect(lintRules(`--! no-transaction\n${safe};`)).toEqual([]);
    expect(await queuedBehind(safe)).toMatchObject({ blocked: false, result: 'ok' });
  });

  it('reindex-without-concurrently: REINDEX blocks writers; REINDEX CONCURRENTLY does not', async () => {
    const flagged = 'REINDEX INDEX parent_email_idx';
    expect(lintRules(flagged)).toContain('reindex-without-concurrently');
    expect(await queuedBehind(flagged)).toMatchObject({ blocked: true, result: 'ok' });

    const safe = 'REINDEX INDEX CONCURRENTLY parent_email_idx';
    expect(lintRules(`--! no-transaction\n${safe};`)).toEqual([]);
    expect(await queuedBehind(safe)).toMatchObject({ blocked: false, result: 'ok' });
  });

  it('vacuum-full-cluster: VACUUM FULL and CLUSTER rewrite the table and block writers; plain VACUUM does neither', async () => {
    expect(lintRules('VACUUM FULL parent;')).toContain('vacuum-full-cluster');
    expect(lintRules('CLUSTER parent USING parent_pkey;')).toContain('vacuum-full-cluster');
    expect(await queuedBehind('VACUUM FULL parent')).toMatchObject({ blocked: true, result: 'ok' });
    expect(await rewrites('VACUUM FULL parent')).toBe(true);
    expect(await rewrites('CLUSTER parent USING parent_pkey')).toBe(true);

    expect(lintRules('VACUUM (ANALYZE) parent;')).toEqual([]);
    expect(await queuedBehind('VACUUM parent')).toMatchObject({ blocked: false, result: 'ok' });
    expect(await rewrites('VACUUM parent')).toBe(false);
  });

  it('concurrently-in-transaction: PostgreSQL refuses CONCURRENTLY in a transaction block; alone it runs', async () => {
    const statement = 'CREATE INDEX CONCURRENTLY parent_name_idx ON parent (name)';
    expect(lintRules(`${statement};`)).toContain('concurrently-in-transaction');
    expect(lintRules(`-- migrate:up transaction:false\n${statement};`)).not.toContain('concurrently-in-transaction');
    const session = await db.session();
    await session.query('BEGIN');
    await expect(session.query(statement)).rejects.toMatchObject({ code: '25001' });
    await session.query('ROLLBACK');
    await session.query(statement);
    await session.end();
  });

  it('truncate-cascade: TRUNCATE … CASCADE also empties the referencing table; plain TRUNCATE refuses', async () => {
    await admin.query('ALTER TABLE child ADD CONSTRAINT child_parent_fk FOREIGN KEY (parent_id) REFERENCES parent (id)');
    expect(lintRules('TRUNCATE parent;')).toEqual([]);
    await expect(admin.query('TRUNCATE parent')).rejects.toMatchObject({ code: '0A000' });
    expect((await admin.query('SELECT count(*)::int AS n FROM child')).rows[0].n).toBe(2000);

    expect(lintRules('TRUNCATE parent CASCADE;')).toContain('truncate-cascade');
    await admin.query('TRUNCATE parent CASCADE');
    expect((await admin.query('SELECT count(*)::int AS n FROM child')).rows[0].n).toBe(0);
  });

  it('missing-lock-timeout: DDL waiting behind a long read blocks every writer; with lock_timeout it gives up and writers go on', async () => {
    const ddl = 'ALTER TABLE parent ADD COLUMN note text';
    expect(lintSql(`${ddl};`, 'm.sql', migrationsSchema.parse({})).findings.map((f) => f.rule)).toEqual(['missing-lock-timeout']);
    const longRead = 'SELECT count(*) FROM parent';
    const waiting = await queuedBehind(ddl, { holderSql: longRead });
    expect(waiting.waiting).toEqual([{ locktype: 'relation', mode: 'AccessExclusiveLock' }]);
    expect(waiting).toMatchObject({ blocked: true, result: 'ok' });

    const safe = `SET lock_timeout = '100ms'; ALTER TABLE parent ADD COLUMN note2 text`;
    expect(lintSql(`${safe};`, 'm.sql', migrationsSchema.parse({})).findings).toEqual([]);
    // The DDL gives up (55P03) instead of holding the queue; the deploy can retry it.
    expect(await queuedBehind(safe, { holderSql: longRead })).toMatchObject({ blocked: false, result: 'error 55P03' });
  });

  it('unbatched-write: one UPDATE of every row locks them all; a LIMIT batch leaves other rows writable', async () => {
    const other = 'UPDATE parent SET v = 0 WHERE id = 1500';
    const flagged = 'UPDATE parent SET v = v + 1';
    expect(lintRules(flagged)).toContain('unbatched-write');
    expect((await whileHeld(flagged, 'parent', [other])).blocked).toEqual([true]);

    const batch = 'UPDATE parent SET v = v + 1 WHERE id IN (SELECT id FROM parent WHERE v < 1000 ORDER BY id LIMIT 100)';
    expect(lintRules(batch)).toEqual([]);
    expect((await whileHeld(batch, 'parent', [other])).blocked).toEqual([false]);
  });
});

describe('rewrite rules: the flagged statement changes relfilenode, the safe form does not', () => {
  it('add-column-rewrite: a volatile default or a serial rewrites; a constant or stable default does not', async () => {
    for (const statement of [
      'ALTER TABLE parent ADD COLUMN jitter float8 DEFAULT random()',
      'ALTER TABLE parent ADD COLUMN seq bigserial',
    ]) {
      expect(lintRules(statement)).toContain('add-column-rewrite');
      expect(await rewrites(statement)).toBe(true);
    }
    for (const statement of [
      'ALTER TABLE parent ADD COLUMN active boolean NOT NULL DEFAULT true',
      'ALTER TABLE parent ADD COLUMN seen timestamptz DEFAULT now()',
      'ALTER TABLE parent ADD COLUMN jitter2 float8',
    ]) {
      expect(lintRules(statement)).toEqual([]);
      expect(await rewrites(statement)).toBe(false);
    }
  });

  it('stored-generated-column: a STORED generated column rewrites; a plain column does not', async () => {
    const flagged = 'ALTER TABLE parent ADD COLUMN v2 int GENERATED ALWAYS AS (v * 2) STORED';
    expect(lintRules(flagged)).toContain('stored-generated-column');
    expect(await rewrites(flagged)).toBe(true);
    expect(lintRules('ALTER TABLE parent ADD COLUMN v3 int')).toEqual([]);
    expect(await rewrites('ALTER TABLE parent ADD COLUMN v3 int')).toBe(false);
  });

  it('alter-column-type: int → bigint rewrites; widening varchar or varchar → text does not', async () => {
    const known = 'CREATE TABLE parent (id bigint PRIMARY KEY, email text, v int, name varchar(10));';
    // The old type comes from the migration that created the table (an earlier file).
    const lintAfterCreate = (sql: string) => {
      const settings = migrationsSchema.parse({});
      const catalog = new Catalog();
      lintSql(known, 'create.sql', settings, catalog);
      return lintSql(`SET lock_timeout = '1s';\n${sql}`, 'alter.sql', settings, catalog).findings.map((f) => f.rule);
    };
    expect(lintAfterCreate('ALTER TABLE parent ALTER COLUMN v TYPE bigint;')).toContain('alter-column-type');
    expect(await rewrites('ALTER TABLE parent ALTER COLUMN v TYPE bigint')).toBe(true);
    for (const statement of ['ALTER TABLE parent ALTER COLUMN name TYPE varchar(20)', 'ALTER TABLE parent ALTER COLUMN name TYPE text']) {
      expect(lintAfterCreate(`${statement};`)).toEqual([]);
      expect(await rewrites(statement)).toBe(false);
    }
  });

  it('add-required-column: NOT NULL without a default fails on a table with rows; with a default the old code keeps inserting', async () => {
    const flagged = 'ALTER TABLE parent ADD COLUMN tenant bigint NOT NULL';
    expect(lintRules(flagged)).toContain('add-required-column');
    await expect(admin.query(flagged)).rejects.toMatchObject({ code: '23502' });
    const safe = 'ALTER TABLE parent ADD COLUMN tenant bigint NOT NULL DEFAULT 0';
    expect(lintRules(safe)).toEqual([]);
    await admin.query(safe);
    await admin.query(insertInto('parent'));
  });
});

describe('option values, as PostgreSQL reads them', () => {
  it('REINDEX (CONCURRENTLY false | off | 0) blocks writers like a plain REINDEX; VACUUM (FULL false) neither rewrites nor blocks', async () => {
    for (const value of ['false', "'false'", 'off', '0']) {
      const statement = `REINDEX (CONCURRENTLY ${value}) INDEX parent_email_idx`;
      expect(lintRules(statement)).toContain('reindex-without-concurrently');
      // It even runs inside a transaction block, which a concurrent REINDEX cannot.
      expect(await whileHeld(statement, 'parent', [insertInto('parent')])).toMatchObject({ blocked: [true] });
    }
    const full = 'VACUUM (FULL false) parent';
    expect(lintRules(full)).toEqual([]);
    expect(await queuedBehind(full)).toMatchObject({ blocked: false, result: 'ok' });
    expect(await rewrites(full)).toBe(false);
    expect(lintRules('VACUUM (FULL 1) parent')).toContain('vacuum-full-cluster');
    expect(await rewrites('VACUUM (FULL 1) parent')).toBe(true);
  });
});

describe('rules beyond squawk, proven the same way', () => {
  const readOf = (relation: string) => `SELECT count(*) FROM ${relation}`;

  it('detach-partition-without-concurrently: DETACH holds ACCESS EXCLUSIVE on the parent (reads wait); CONCURRENTLY lets reads and writes through', async () => {
    await admin.query(`
      DROP TABLE IF EXISTS m CASCADE;
      CREATE TABLE m (id bigint, at date) PARTITION BY RANGE (at);
      CREATE TABLE m_2023 PARTITION OF m FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
      CREATE TABLE m_2024 PARTITION OF m FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
      INSERT INTO m SELECT g, DATE '2023-01-01' + (g % 700) FROM generate_series(1, 2000) g;
    `);
    const flagged = 'ALTER TABLE m DETACH PARTITION m_2023';
    expect(lintRules(flagged)).toContain('detach-partition-without-concurrently');
    const held = await whileHeld(flagged, 'm', [readOf('m'), "INSERT INTO m VALUES (1, '2024-02-02')"]);
    expect(held.modes).toContain('AccessExclusiveLock');
    expect(held.blocked).toEqual([true, true]);

    const safe = 'ALTER TABLE m DETACH PARTITION m_2023 CONCURRENTLY';
    expect(lintRules(`--! no-transaction\n${safe};`)).toEqual([]);
    const concurrent = await queuedBehind(safe, { holderSql: readOf('m'), write: "INSERT INTO m VALUES (2, '2024-03-03')" });
    expect(concurrent).toMatchObject({ blocked: false, result: 'ok' });
    expect(await writeBlocked(readOf('m'))).toBe(false);
  });

  it('domain-check-without-not-valid: ADD CONSTRAINT scans under SHARE on every table using the domain; NOT VALID takes no table lock (VALIDATE still takes SHARE on PostgreSQL 15)', async () => {
    await admin.query(`
      DROP TABLE IF EXISTS priced; DROP DOMAIN IF EXISTS price;
      CREATE DOMAIN price AS numeric(10,2);
      CREATE TABLE priced (id bigint PRIMARY KEY, p price);
      INSERT INTO priced SELECT g, g FROM generate_series(1, 2000) g;
    `);
    const write = () => `INSERT INTO priced VALUES (${nextId++}, 1)`;
    const flagged = 'ALTER DOMAIN price ADD CONSTRAINT price_positive CHECK (VALUE > 0)';
    expect(lintRules(flagged)).toContain('domain-check-without-not-valid');
    const held = await whileHeld(flagged, 'priced', [write()]);
    expect(held.modes).toContain('ShareLock');
    expect(held.blocked).toEqual([true]);

    const safe = `${flagged} NOT VALID`;
    expect(lintRules(safe)).toEqual([]);
    const notValid = await whileHeld(safe, 'priced', [write()]);
    expect(notValid).toEqual({ modes: [], blocked: [false] });

    await admin.query(safe);
    const validate = await whileHeld('ALTER DOMAIN price VALIDATE CONSTRAINT price_positive', 'priced', [write()]);
    if (db.version < 18) expect(validate).toMatchObject({ modes: ['ShareLock'], blocked: [true] });
  });

  it('type-change-with-check: a rewrite-free type change re-runs every CHECK on every row under ACCESS EXCLUSIVE; dropping it and re-adding it NOT VALID does not', async () => {
    await admin.query(`
      DROP SEQUENCE IF EXISTS check_calls; CREATE SEQUENCE check_calls;
      CREATE OR REPLACE FUNCTION counted(v text) RETURNS boolean LANGUAGE plpgsql AS $$
        BEGIN PERFORM nextval('check_calls'); RETURN v IS NOT NULL; END $$;
      ALTER TABLE parent ADD CONSTRAINT name_counted CHECK (counted(name));
    `);
    const calls = async () => Number((await admin.query<{ n: string }>('SELECT last_value AS n FROM check_calls')).rows[0]!.n);
    const known = `CREATE TABLE parent (id bigint PRIMARY KEY, email text, v int, name varchar(10) CONSTRAINT name_counted CHECK (counted(name)));`;
    const lintAfterCreate = (sql: string) => {
      const settings = migrationsSchema.parse({});
      const catalog = new Catalog();
      lintSql(known, 'create.sql', settings, catalog);
      return lintSql(`SET lock_timeout = '1s';\n${sql}`, 'alter.sql', settings, catalog).findings.map((f) => f.rule);
    };
    const flagged = 'ALTER TABLE parent ALTER COLUMN name TYPE varchar(20)';
    expect(lintAfterCreate(`${flagged};`)).toEqual(['type-change-with-check']);
    const before = await calls();
    const held = await whileHeld(flagged, 'parent', [readOf('parent')]);
    expect(held.modes).toContain('AccessExclusiveLock');
    expect(held.blocked).toEqual([true]);
    expect((await calls()) - before).toBeGreaterThanOrEqual(2000);
    expect(await rewrites(flagged)).toBe(false);

    const safe =
      'ALTER TABLE parent DROP CONSTRAINT name_counted, ALTER COLUMN name TYPE varchar(30), ADD CONSTRAINT name_counted CHECK (counted(name)) NOT VALID';
    expect(lintAfterCreate(`${safe};`)).toEqual([]);
    const quiet = await calls();
    expect(await rewrites(safe)).toBe(false);
    expect(await calls()).toBe(quiet);
  });

  it('refresh-without-concurrently: REFRESH holds ACCESS EXCLUSIVE on the view (reads wait); CONCURRENTLY holds EXCLUSIVE (reads go on)', async () => {
    await admin.query(`
      DROP MATERIALIZED VIEW IF EXISTS parent_totals;
      CREATE MATERIALIZED VIEW parent_totals AS SELECT id, v FROM parent;
      CREATE UNIQUE INDEX parent_totals_id ON parent_totals (id);
    `);
    const flagged = 'REFRESH MATERIALIZED VIEW parent_totals';
    expect(lintRules(flagged)).toContain('refresh-without-concurrently');
    const held = await whileHeld(flagged, 'parent_totals', [readOf('parent_totals')]);
    expect(held.modes).toContain('AccessExclusiveLock');
    expect(held.blocked).toEqual([true]);

    const safe = 'REFRESH MATERIALIZED VIEW CONCURRENTLY parent_totals';
    expect(lintRules(safe)).toEqual([]);
    const concurrent = await whileHeld(safe, 'parent_totals', [readOf('parent_totals')]);
    expect(concurrent.modes).toContain('ExclusiveLock');
    expect(concurrent.modes).not.toContain('AccessExclusiveLock');
    expect(concurrent.blocked).toEqual([false]);
  });

  it("drop-view: the old version's query fails after it; before it, DROP VIEW queued behind a long read blocks every later read (missing-lock-timeout)", async () => {
    await admin.query('CREATE OR REPLACE VIEW active_parents AS SELECT id, email FROM parent WHERE v > 0');
    expect(lintSql('DROP VIEW active_parents;', 'm.sql', migrationsSchema.parse({})).findings.map((f) => f.rule)).toEqual([
      'drop-view',
      'missing-lock-timeout',
    ]);
    const queued = await queuedBehind('DROP VIEW active_parents', { holderSql: readOf('active_parents'), write: readOf('active_parents') });
    expect(queued.waiting).toEqual([{ locktype: 'relation', mode: 'AccessExclusiveLock' }]);
    expect(queued).toMatchObject({ blocked: true, result: 'ok' });
    await expect(admin.query(readOf('active_parents'))).rejects.toMatchObject({ code: '42P01' });
  });

  it('rename-schema, rename-enum-value, drop-not-null: what the old version runs fails, or meets what it never saw', async () => {
    await admin.query(`
      DROP SCHEMA IF EXISTS billing CASCADE; DROP SCHEMA IF EXISTS invoicing CASCADE; DROP TYPE IF EXISTS order_status;
      CREATE SCHEMA billing; CREATE TABLE billing.invoices (id bigint);
      CREATE TYPE order_status AS ENUM ('open', 'canceled'); ALTER TABLE child ADD COLUMN status order_status;
      ALTER TABLE child ALTER COLUMN qty SET NOT NULL;
    `);
    const renameSchema = 'ALTER SCHEMA billing RENAME TO invoicing';
    expect(lintRules(renameSchema)).toEqual(['rename-schema']);
    await admin.query(renameSchema);
    await expect(admin.query('SELECT * FROM billing.invoices')).rejects.toMatchObject({ code: '42P01' });

    const renameValue = "ALTER TYPE order_status RENAME VALUE 'canceled' TO 'cancelled'";
    expect(lintRules(renameValue)).toEqual(['rename-enum-value']);
    await admin.query(renameValue);
    await expect(admin.query(`INSERT INTO child (id, qty, status) VALUES (${nextId++}, 1, 'canceled')`)).rejects.toMatchObject({
      code: '22P02',
    });
    expect(lintRules("ALTER TYPE order_status ADD VALUE 'closed'")).toEqual([]);

    const dropNotNull = 'ALTER TABLE child ALTER COLUMN qty DROP NOT NULL';
    expect(lintRules(dropNotNull)).toEqual(['drop-not-null']);
    await admin.query(dropNotNull);
    // The new version may now write a NULL, which the old version's `qty * price` reads.
    await admin.query(`INSERT INTO child (id, qty) VALUES (${nextId++}, NULL)`);
    expect((await admin.query('SELECT count(*)::int AS n FROM child WHERE qty IS NULL')).rows[0].n).toBe(1);
  });

  it('drop-database: PostgreSQL refuses it inside a transaction and while a session is connected', async () => {
    expect(lintRules('DROP DATABASE legacy')).toEqual(['drop-database']);
    await admin.query('DROP DATABASE IF EXISTS legacy');
    await admin.query('CREATE DATABASE legacy');
    const session = await db.session();
    await session.query('BEGIN');
    await expect(session.query('DROP DATABASE legacy')).rejects.toMatchObject({ code: '25001' });
    await session.query('ROLLBACK');
    const app = new (await import('pg')).default.Client({ host: '127.0.0.1', port: db.port, user: 'postgres', database: 'legacy' });
    await app.connect();
    await expect(admin.query('DROP DATABASE legacy')).rejects.toMatchObject({ code: '55006' });
    await app.end();
    await session.end();
  });

  it('new-table exemption: FOREIGN KEY … NOT VALID + VALIDATE on a table created in the same transaction locks what CREATE TABLE … REFERENCES locks', async () => {
    const split = `CREATE TABLE items (id bigint, parent_id bigint);
ALTER TABLE items ADD CONSTRAINT items_parent_fk FOREIGN KEY (parent_id) REFERENCES parent (id) NOT VALID;
ALTER TABLE items VALIDATE CONSTRAINT items_parent_fk;`;
    expect(lintRules(split)).toEqual([]);
    const inline = 'CREATE TABLE items (id bigint, parent_id bigint REFERENCES parent (id))';
    const [a, b] = [await whileHeld(split, 'parent', [readOf('parent')]), await whileHeld(inline, 'parent', [readOf('parent')])];
    const writeBlocking = (modes: string[]) => modes.filter((mode) => WRITE_BLOCKING.includes(mode));
    expect(writeBlocking(a.modes)).toEqual(writeBlocking(b.modes));
    expect(a.blocked).toEqual([false]);
    expect(b.blocked).toEqual([false]);
  });
});

describe('no rewrite where PostgreSQL rewrites nothing (the allow-list), a rewrite where it does', () => {
  beforeEach(async () => {
    await admin.query(`
      CREATE EXTENSION IF NOT EXISTS citext;
      DROP TABLE IF EXISTS times;
      CREATE TABLE times (id bigint, a timestamp(3), b timestamptz(0), c time(2), d timetz(1), e timestamp, s text, t text, u varchar(40), w citext);
      INSERT INTO times SELECT g, now(), now(), now(), now(), now(), 's' || g, 't' || g, 'u' || g, 'w' || g FROM generate_series(1, 2000) g;
      CREATE INDEX times_t ON times (t);
    `);
  });
  const known =
    'CREATE TABLE times (id bigint, a timestamp(3), b timestamptz(0), c time(2), d timetz(1), e timestamp, s text, t text, u varchar(40), w citext); CREATE INDEX times_t ON times (t);';
  const lintAfterCreate = (sql: string) => {
    const settings = migrationsSchema.parse({});
    const catalog = new Catalog();
    lintSql(known, 'create.sql', settings, catalog);
    return lintSql(`SET lock_timeout = '1s';\n${sql}`, 'alter.sql', settings, catalog)
      .findings.map((f) => f.rule)
      .filter((rule) => rule !== 'timestamp-without-time-zone');
  };
  const indexNode = async () => (await admin.query<{ n: string }>("SELECT pg_relation_filenode('times_t')::text AS n")).rows[0]!.n;

  it('precision increases, text / varchar ↔ citext on an unindexed column: nothing flagged, nothing rewritten', async () => {
    for (const statement of [
      'ALTER TABLE times ALTER COLUMN a TYPE timestamp(6)',
      'ALTER TABLE times ALTER COLUMN b TYPE timestamptz(3)',
      'ALTER TABLE times ALTER COLUMN c TYPE time(5)',
      'ALTER TABLE times ALTER COLUMN d TYPE timetz(4)',
      'ALTER TABLE times ALTER COLUMN e TYPE timestamp(6)',
      'ALTER TABLE times ALTER COLUMN s TYPE citext',
      'ALTER TABLE times ALTER COLUMN u TYPE citext',
      'ALTER TABLE times ALTER COLUMN w TYPE text',
    ]) {
      expect(lintAfterCreate(`${statement};`), statement).toEqual([]);
      expect(await rewrites(statement, 'times'), statement).toBe(false);
    }
  });

  it('precision decreases, citext → varchar(n): flagged, rewritten; text → citext on an indexed column rebuilds the index', async () => {
    for (const statement of [
      'ALTER TABLE times ALTER COLUMN c TYPE time(0)',
      'ALTER TABLE times ALTER COLUMN a TYPE timestamp(1)',
      'ALTER TABLE times ALTER COLUMN e TYPE timestamp(3)',
      'ALTER TABLE times ALTER COLUMN w TYPE varchar(10)',
    ]) {
      expect(lintAfterCreate(`${statement};`), statement).toEqual(['alter-column-type']);
      expect(await rewrites(statement, 'times'), statement).toBe(true);
    }
    const indexed = 'ALTER TABLE times ALTER COLUMN t TYPE citext';
    expect(lintAfterCreate(`${indexed};`)).toEqual(['alter-column-type']);
    const before = await indexNode();
    expect(await rewrites(indexed, 'times')).toBe(false);
    expect(await indexNode()).not.toBe(before);
  });
});

describe('the lock table: brief ACCESS EXCLUSIVE statements (docs/migrations.md)', () => {
  it('DROP COLUMN, DROP TABLE, RENAME COLUMN / TO, DROP NOT NULL, DROP VIEW, TRUNCATE … CASCADE hold ACCESS EXCLUSIVE: reads wait', async () => {
    await admin.query('CREATE OR REPLACE VIEW parent_view AS SELECT id FROM parent');
    await admin.query('ALTER TABLE child ADD CONSTRAINT child_parent_fk FOREIGN KEY (parent_id) REFERENCES parent (id)');
    for (const [statement, table] of [
      ['ALTER TABLE parent DROP COLUMN v', 'parent'],
      ['DROP TABLE child', 'child'],
      ['ALTER TABLE parent RENAME COLUMN v TO w', 'parent'],
      ['ALTER TABLE parent RENAME TO parents', 'parents'],
      ['ALTER TABLE parent ALTER COLUMN name DROP NOT NULL', 'parent'],
      ['DROP VIEW parent_view', 'parent_view'],
      ['TRUNCATE parent CASCADE', 'child'],
    ] as const) {
      const ddl = await db.session();
      try {
        const pid = await pidOf(ddl);
        await ddl.query('BEGIN');
        await ddl.query(statement);
        const { rows } = await admin.query<{ mode: string }>(
          "SELECT mode FROM pg_locks WHERE pid = $1 AND locktype = 'relation' AND granted AND mode = 'AccessExclusiveLock'",
          [pid],
        );
        expect(rows.length, statement).toBeGreaterThan(0);
        expect(await writeBlocked(`SELECT count(*) FROM ${table === 'parents' ? 'parent' : table}`), statement).toBe(true);
      } finally {
        await ddl.query('ROLLBACK');
        await ddl.end();
      }
    }
  });
});
