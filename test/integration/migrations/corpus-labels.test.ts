// The labels of the bench's corpus (bench/migration-cases.ts), checked on a real PostgreSQL where a label
// can be checked mechanically: a case labelled "rewrites" changes a table's relfilenode, a safe
// type change changes none (tables and indexes), "fails" is refused, "blocks reads" holds ACCESS
// EXCLUSIVE and "blocks writes" a write-blocking mode on a relation that existed before. (How long a
// lock is held is what the per-rule proofs in postgres.test.ts show.) Each case runs in a transaction
// that is rolled back, so every case sees the same schema.
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CASES, SCHEMA, type MigrationCase } from '../../../bench/migration-cases.js';
import { startPostgres, type Postgres } from '../../harness/postgres.js';

let db: Postgres;
let session: pg.Client;

const ROWS = `
INSERT INTO users (id, email, name, age, status, handle, bio, nick)
  SELECT g, 'u' || g || '@example.com', 'n' || g, g % 90, 'active', 'h' || g, 'b' || g, 'k' || g FROM generate_series(1, 500) g;
INSERT INTO orders (id, user_id, qty, total, note) SELECT g, g, g, g, 'x' || g FROM generate_series(1, 500) g;
INSERT INTO events SELECT g, DATE '2023-01-01' + (g % 300) FROM generate_series(1, 500) g;
INSERT INTO audit SELECT g, 'a' FROM generate_series(1, 500) g;
REFRESH MATERIALIZED VIEW daily_totals;
CREATE UNIQUE INDEX users_email_idx_seed ON users (email);
`;
const WRITE_BLOCKING = ['ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock'];

beforeAll(async () => {
  db = await startPostgres();
  session = await db.session();
  // Not UTC: timestamp ↔ timestamptz is rewrite-free (12+) only when the session's time zone is UTC.
  await session.query("SET TimeZone = 'America/New_York'");
  await session.query('CREATE EXTENSION IF NOT EXISTS citext');
  // The schema as migrations create it (CONCURRENTLY outside a transaction), then rows.
  for (const statement of SCHEMA.split(/;\s*\n/).filter((s) => s.trim())) await session.query(statement);
  await session.query(ROWS);
});
afterAll(async () => db?.stop());

/** The case's statements, without the BEGIN / COMMIT the test supplies itself. */
const statementsOf = (c: MigrationCase) =>
  c.sql
    .split(/;\s*\n/)
    .map((s) => s.trim().replace(/;$/, ''))
    .filter((s) => s && !/^(BEGIN|COMMIT)$/i.test(s));

/** Storage file of every table (`r`), materialized view (`m`) and index (`i`), by `kind:name`. */
async function nodes(): Promise<Map<string, string>> {
  const { rows } = await session.query<{ name: string; node: string }>(
    `SELECT relkind::text || ':' || relname AS name, pg_relation_filenode(oid)::text AS node FROM pg_class
      WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'm', 'i')`,
  );
  return new Map(rows.map((r) => [r.name, r.node]));
}

/** Runs the case in a transaction that is rolled back; what it changed, locked, or the error. */
async function probe(c: MigrationCase) {
  const before = await nodes();
  const { rows: existing } = await session.query<{ oid: number }>("SELECT oid FROM pg_class WHERE relnamespace = 'public'::regnamespace");
  await session.query('BEGIN');
  try {
    for (const statement of statementsOf(c)) await session.query(statement);
    const after = await nodes();
    const changed = [...before].filter(([name, node]) => after.has(name) && after.get(name) !== node).map(([name]) => name);
    const { rows: locks } = await session.query<{ mode: string }>(
      'SELECT mode FROM pg_locks WHERE pid = pg_backend_pid() AND granted AND relation = ANY($1::oid[])',
      [existing.map((r) => r.oid)],
    );
    return { changed, modes: locks.map((l) => l.mode), error: undefined as string | undefined };
  } catch (error) {
    return { changed: [], modes: [], error: (error as { code?: string }).code ?? 'error' };
  } finally {
    await session.query('ROLLBACK');
  }
}

const inTransaction = (c: MigrationCase) => !/CONCURRENTLY|VACUUM|DROP DATABASE/i.test(c.sql);
const tables = (names: string[]) => names.filter((name) => /^[rm]:/.test(name));

describe('bench corpus labels on a real PostgreSQL', () => {
  for (const c of CASES.filter((c) => c.effect === 'rewrites' && inTransaction(c))) {
    it(`${c.id} rewrites a table: ${statementsOf(c).at(-1)}`, async () => {
      const result = await probe(c);
      expect(result.error).toBeUndefined();
      expect(tables(result.changed).length).toBeGreaterThan(0);
    });
  }

  for (const c of CASES.filter((c) => c.effect === 'safe' && c.kind === 'binary-compatible type change')) {
    it(`${c.id} rewrites no table and no index: ${statementsOf(c).at(-1)}`, async () => {
      expect(await probe(c)).toMatchObject({ error: undefined, changed: [] });
    });
  }

  for (const c of CASES.filter((c) => (c.effect === 'blocks reads' || c.effect === 'blocks writes') && inTransaction(c))) {
    if (c.kind === 'data migration') continue; // row locks, proven in postgres.test.ts (unbatched-write)
    it(`${c.id} ${c.effect}: ${statementsOf(c).at(-1)}`, async () => {
      const result = await probe(c);
      expect(result.error).toBeUndefined();
      if (c.effect === 'blocks reads') expect(result.modes).toContain('AccessExclusiveLock');
      else expect(result.modes.some((mode) => WRITE_BLOCKING.includes(mode))).toBe(true);
    });
  }

  for (const c of CASES.filter((c) => c.effect === 'fails')) {
    it(`${c.id} is refused: ${statementsOf(c).at(-1)}`, async () => {
      if (inTransaction(c)) {
        expect((await probe(c)).error).toBeDefined();
        return;
      }
      // CONCURRENTLY inside BEGIN … COMMIT, as the case is written.
      await session.query('BEGIN');
      try {
        let refused: string | undefined;
        for (const statement of statementsOf(c)) await session.query(statement).catch((e: { code?: string }) => (refused ??= e.code));
        expect(refused).toBe('25001');
      } finally {
        await session.query('ROLLBACK');
      }
    });
  }
});
