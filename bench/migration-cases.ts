// The labelled corpus of bench/migrations.ts: one migration per case, each labelled with what it really does
// to a live database serving the old and the new version at once. Written for this bench from public
// descriptions (squawk's rule docs, strong_migrations' checks and safe alternatives, PostgreSQL's ALTER TABLE
// and explicit-locking docs per form); the lock and rewrite behaviour of each form is the one proven on
// PostgreSQL 15 in test/integration/migrations/postgres.test.ts.

/** What a case does on a live table: the hazard, or safe. */
export type Effect = 'blocks reads' | 'blocks writes' | 'rewrites' | 'breaks old code' | 'fails' | 'safe';

export interface MigrationCase {
  id: string;
  /** The class of the per-class table. */
  kind: string;
  effect: Effect;
  /** Where the form is described. */
  source: string;
  /** The migration. It runs as written: BEGIN … COMMIT where the runner would wrap it; each case starts
   * with lock_timeout and statement_timeout set unless its class is about them. */
  sql: string;
}

/** The schema every case runs against: the migrations before it (Rollgate replays them; squawk needs none). */
export const SCHEMA = `
CREATE DOMAIN price AS numeric(10,2);
CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, name varchar(100), age int, created_at timestamptz(3),
  born timestamp(0), wake time(2), zone timetz(1), bio text, handle varchar(40), score numeric(8,2), ip cidr,
  flags varbit(8), status text CONSTRAINT status_set CHECK (status <> ''), nick text, settings jsonb);
CREATE INDEX users_handle ON users (handle);
CREATE UNIQUE INDEX CONCURRENTLY users_email_uniq ON users (email);
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint, qty int, total price,
  note varchar(50) CONSTRAINT note_nonempty CHECK (length(note) > 0));
CREATE INDEX orders_user ON orders (user_id);
CREATE TABLE events (id bigint, at date) PARTITION BY RANGE (at);
CREATE TABLE events_2023 PARTITION OF events FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
CREATE TYPE order_status AS ENUM ('open', 'canceled');
CREATE VIEW active_users AS SELECT id FROM users;
CREATE MATERIALIZED VIEW daily_totals AS SELECT 1 AS id;
CREATE UNIQUE INDEX daily_totals_id ON daily_totals (id);
CREATE SCHEMA billing;
CREATE TABLE audit (id bigint NOT NULL, body text);
CREATE UNIQUE INDEX CONCURRENTLY audit_id_uniq ON audit (id);
`;

const SQUAWK = 'squawk docs';
const STRONG = 'strong_migrations README';
const PG = 'PostgreSQL docs';
const ISSUE = 'rollgate issue #17';

type Row = [effect: Effect, sql: string, source: string];

const classes: Record<string, Row[]> = {
  'option values': [
    ['blocks writes', 'REINDEX (CONCURRENTLY false) INDEX users_handle;', `${PG}: REINDEX, boolean options`],
    ['blocks writes', "REINDEX (CONCURRENTLY 'false') INDEX users_handle;", `${PG}: REINDEX, boolean options`],
    ['blocks writes', 'REINDEX (CONCURRENTLY off) INDEX users_handle;', `${PG}: REINDEX, boolean options`],
    ['blocks writes', 'REINDEX (CONCURRENTLY 0) INDEX users_handle;', `${PG}: REINDEX, boolean options`],
    ['blocks writes', 'REINDEX (CONCURRENTLY false) TABLE users;', `${PG}: REINDEX, boolean options`],
    ['safe', 'REINDEX (CONCURRENTLY) INDEX users_handle;', `${PG}: REINDEX`],
    ['safe', 'REINDEX (CONCURRENTLY true) INDEX users_handle;', `${PG}: REINDEX`],
    ['safe', 'REINDEX (CONCURRENTLY on) TABLE users;', `${PG}: REINDEX`],
    ['safe', 'VACUUM (FULL false) users;', `${PG}: VACUUM, boolean options`],
    ['safe', "VACUUM (FULL 'off', ANALYZE) users;", `${PG}: VACUUM, boolean options`],
    ['safe', 'VACUUM (FULL 0) users;', `${PG}: VACUUM, boolean options`],
    ['rewrites', 'VACUUM (FULL true) users;', `${PG}: VACUUM FULL`],
    ['rewrites', 'VACUUM (FULL, ANALYZE) users;', `${PG}: VACUUM FULL`],
  ],
  'detach partition': [
    ['blocks reads', 'BEGIN;\nALTER TABLE events DETACH PARTITION events_2023;\nCOMMIT;', `${PG}: ALTER TABLE DETACH PARTITION`],
    ['blocks reads', 'ALTER TABLE events DETACH PARTITION events_2023;', `${PG}: ALTER TABLE DETACH PARTITION`],
    ['safe', 'ALTER TABLE events DETACH PARTITION events_2023 CONCURRENTLY;', `${PG}: ALTER TABLE DETACH PARTITION CONCURRENTLY`],
    ['safe', 'ALTER TABLE events DETACH PARTITION events_2023 FINALIZE;', `${PG}: ALTER TABLE DETACH PARTITION FINALIZE`],
    ['fails', 'BEGIN;\nALTER TABLE events DETACH PARTITION events_2023 CONCURRENTLY;\nCOMMIT;', `${PG}: DETACH CONCURRENTLY`],
    [
      'safe',
      "ALTER TABLE events ATTACH PARTITION events_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');",
      `${PG}: ATTACH PARTITION (SHARE UPDATE EXCLUSIVE on the parent)`,
    ],
  ],
  'domain constraint': [
    ['blocks writes', 'ALTER DOMAIN price ADD CONSTRAINT price_positive CHECK (VALUE > 0);', `${PG}: ALTER DOMAIN`],
    ['blocks writes', 'ALTER DOMAIN price ADD CHECK (VALUE < 1000000);', `${PG}: ALTER DOMAIN`],
    ['safe', 'ALTER DOMAIN price ADD CONSTRAINT price_positive CHECK (VALUE > 0) NOT VALID;', `${PG}: ALTER DOMAIN NOT VALID`],
    ['safe', 'CREATE DOMAIN qty AS int;\nALTER DOMAIN qty ADD CONSTRAINT qty_positive CHECK (VALUE > 0);', `${PG}: ALTER DOMAIN`],
    ['blocks writes', 'ALTER DOMAIN price SET NOT NULL;', `${PG}: ALTER DOMAIN SET NOT NULL`],
  ],
  'type change with CHECK': [
    ['blocks reads', 'ALTER TABLE orders ALTER COLUMN note TYPE varchar(80);', ISSUE],
    ['blocks reads', 'ALTER TABLE orders ALTER COLUMN note TYPE text;', ISSUE],
    ['blocks reads', 'ALTER TABLE users ALTER COLUMN status TYPE varchar;', ISSUE],
    [
      'safe',
      'BEGIN;\nALTER TABLE orders DROP CONSTRAINT note_nonempty, ALTER COLUMN note TYPE varchar(80), ADD CONSTRAINT note_nonempty CHECK (length(note) > 0) NOT VALID;\nCOMMIT;',
      ISSUE,
    ],
    ['safe', 'ALTER TABLE orders VALIDATE CONSTRAINT note_nonempty;', `${PG}: VALIDATE CONSTRAINT`],
  ],
  views: [
    ['breaks old code', 'DROP VIEW active_users;', ISSUE],
    ['breaks old code', 'DROP VIEW IF EXISTS active_users;', ISSUE],
    ['breaks old code', 'DROP MATERIALIZED VIEW daily_totals;', ISSUE],
    ['blocks reads', 'REFRESH MATERIALIZED VIEW daily_totals;', `${PG}: REFRESH MATERIALIZED VIEW`],
    ['breaks old code', 'REFRESH MATERIALIZED VIEW daily_totals WITH NO DATA;', `${PG}: REFRESH MATERIALIZED VIEW`],
    ['safe', 'REFRESH MATERIALIZED VIEW CONCURRENTLY daily_totals;', `${PG}: REFRESH MATERIALIZED VIEW CONCURRENTLY`],
    ['safe', 'CREATE VIEW recent_users AS SELECT id FROM users;\nDROP VIEW recent_users;', ISSUE],
    ['safe', 'CREATE OR REPLACE VIEW active_users AS SELECT id FROM users WHERE age > 0;', `${PG}: CREATE OR REPLACE VIEW`],
    ['safe', 'CREATE MATERIALIZED VIEW weekly AS SELECT 1 AS id;\nREFRESH MATERIALIZED VIEW weekly;', ISSUE],
  ],
  'drop database': [
    ['breaks old code', 'DROP DATABASE legacy;', `${SQUAWK}: ban-drop-database`],
    ['breaks old code', 'DROP DATABASE IF EXISTS legacy;', `${SQUAWK}: ban-drop-database`],
    ['breaks old code', 'DROP DATABASE legacy WITH (FORCE);', `${SQUAWK}: ban-drop-database`],
    ['safe', 'CREATE SCHEMA reporting;', `${PG}: CREATE SCHEMA`],
  ],
  renames: [
    ['breaks old code', 'ALTER SCHEMA billing RENAME TO invoicing;', ISSUE],
    ['breaks old code', "ALTER TYPE order_status RENAME VALUE 'canceled' TO 'cancelled';", ISSUE],
    ['breaks old code', 'ALTER TABLE users RENAME COLUMN nick TO nickname;', `${SQUAWK}: renaming-column`],
    ['breaks old code', 'ALTER TABLE users RENAME TO accounts;', `${SQUAWK}: renaming-table`],
    ['breaks old code', 'ALTER TABLE orders RENAME COLUMN qty TO quantity;', `${STRONG}: renaming a column`],
    ['breaks old code', 'ALTER TABLE orders RENAME TO purchases;', `${STRONG}: renaming a table`],
    ['safe', "ALTER TYPE order_status ADD VALUE 'closed';", `${PG}: ALTER TYPE ADD VALUE`],
    ['safe', 'ALTER INDEX users_handle RENAME TO users_handle_idx;', `${PG}: ALTER INDEX RENAME`],
    ['safe', 'CREATE TABLE drafts (id bigint);\nALTER TABLE drafts RENAME COLUMN id TO draft_id;', `${SQUAWK}: renaming-column`],
  ],
  'drop not null': [
    ['breaks old code', 'ALTER TABLE users ALTER COLUMN email DROP NOT NULL;', `${SQUAWK}: ban-drop-not-null`],
    ['breaks old code', 'ALTER TABLE users ALTER email DROP NOT NULL;', `${SQUAWK}: ban-drop-not-null`],
    ['safe', 'CREATE TABLE invites (email text NOT NULL);\nALTER TABLE invites ALTER COLUMN email DROP NOT NULL;', ISSUE],
  ],
  'binary-compatible type change': [
    ['safe', 'ALTER TABLE users ALTER COLUMN created_at TYPE timestamptz(6);', `${STRONG}: increasing timestamp precision`],
    ['safe', 'ALTER TABLE users ALTER COLUMN created_at TYPE timestamptz;', `${STRONG}: increasing timestamp precision`],
    ['safe', 'ALTER TABLE users ALTER COLUMN born TYPE timestamp(3);', `${STRONG}: increasing timestamp precision`],
    ['safe', 'ALTER TABLE users ALTER COLUMN wake TYPE time(5);', `${STRONG}: increasing time precision`],
    ['safe', 'ALTER TABLE users ALTER COLUMN zone TYPE timetz(4);', `${STRONG}: increasing time precision`],
    ['safe', 'ALTER TABLE users ALTER COLUMN bio TYPE citext;', `${STRONG}: text to citext, not indexed`],
    ['safe', 'ALTER TABLE users ALTER COLUMN name TYPE citext;', `${STRONG}: varchar to citext, not indexed`],
    ['safe', 'ALTER TABLE users ALTER COLUMN name TYPE varchar(200);', `${STRONG}: increasing varchar length`],
    ['safe', 'ALTER TABLE users ALTER COLUMN name TYPE text;', `${STRONG}: varchar to text`],
    ['safe', 'ALTER TABLE users ALTER COLUMN bio TYPE varchar;', `${STRONG}: text to varchar without limit`],
    ['safe', 'ALTER TABLE users ALTER COLUMN score TYPE numeric(12,2);', `${STRONG}: increasing numeric precision`],
    ['safe', 'ALTER TABLE users ALTER COLUMN score TYPE numeric;', `${STRONG}: unconstrained numeric`],
    ['safe', 'ALTER TABLE users ALTER COLUMN ip TYPE inet;', `${STRONG}: cidr to inet`],
    ['safe', 'ALTER TABLE users ALTER COLUMN flags TYPE varbit(16);', `${STRONG}: increasing bit varying length`],
    ['rewrites', 'ALTER TABLE users ALTER COLUMN created_at TYPE timestamptz(0);', `${PG}: ALTER COLUMN TYPE`],
    ['rewrites', 'ALTER TABLE users ALTER COLUMN wake TYPE time(0);', `${PG}: ALTER COLUMN TYPE`],
    ['blocks reads', 'ALTER TABLE users ALTER COLUMN handle TYPE citext;', `${STRONG}: citext with an index`],
    ['rewrites', 'ALTER TABLE users ALTER COLUMN name TYPE varchar(50);', `${SQUAWK}: changing-column-type`],
    ['rewrites', 'ALTER TABLE users ALTER COLUMN age TYPE bigint;', `${SQUAWK}: changing-column-type`],
    ['rewrites', 'ALTER TABLE users ALTER COLUMN score TYPE numeric(12,4);', `${STRONG}: changing numeric scale`],
    ['rewrites', 'ALTER TABLE users ALTER COLUMN born TYPE timestamptz;', `${STRONG}: timestamp to timestamptz (time zone not UTC)`],
    ['rewrites', 'ALTER TABLE users ALTER COLUMN bio TYPE varchar(20);', `${STRONG}: text to varchar(n)`],
    ['rewrites', 'ALTER TABLE users ALTER COLUMN age TYPE text USING age::text;', `${SQUAWK}: changing-column-type`],
  ],
  'new table': [
    [
      'safe',
      'BEGIN;\nCREATE TABLE items (id bigint, order_id bigint);\nALTER TABLE items ADD CONSTRAINT items_order_fk FOREIGN KEY (order_id) REFERENCES orders (id) NOT VALID;\nALTER TABLE items VALIDATE CONSTRAINT items_order_fk;\nCOMMIT;',
      ISSUE,
    ],
    [
      'safe',
      'BEGIN;\nCREATE TABLE items (id bigint, qty int);\nALTER TABLE items ADD CONSTRAINT qty_positive CHECK (qty > 0) NOT VALID;\nALTER TABLE items VALIDATE CONSTRAINT qty_positive;\nCOMMIT;',
      ISSUE,
    ],
    [
      'safe',
      'BEGIN;\nCREATE TABLE items (id bigint, order_id bigint);\nALTER TABLE items ADD CONSTRAINT items_order_fk FOREIGN KEY (order_id) REFERENCES orders (id);\nCOMMIT;',
      `${SQUAWK}: adding-foreign-key-constraint`,
    ],
    [
      'safe',
      'BEGIN;\nCREATE TABLE items (id bigint);\nCREATE INDEX items_id ON items (id);\nCOMMIT;',
      `${SQUAWK}: require-concurrent-index-creation`,
    ],
    [
      'safe',
      'BEGIN;\nCREATE TABLE items (id bigint);\nALTER TABLE items ADD COLUMN at timestamptz DEFAULT clock_timestamp();\nCOMMIT;',
      `${SQUAWK}: adding-field-with-default`,
    ],
    [
      'safe',
      'BEGIN;\nCREATE TABLE items (id bigint);\nALTER TABLE items ADD COLUMN qty int NOT NULL;\nCOMMIT;',
      `${SQUAWK}: adding-required-field`,
    ],
    [
      'blocks writes',
      'BEGIN;\nALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;\nCOMMIT;',
      `${STRONG}: adding a foreign key`,
    ],
  ],
  'add column': [
    ['safe', 'ALTER TABLE users ADD COLUMN plan text;', `${SQUAWK}: adding-field-with-default`],
    ['safe', "ALTER TABLE users ADD COLUMN plan text DEFAULT 'free';", `${STRONG}: adding a column with a default (11+)`],
    ['safe', 'ALTER TABLE users ADD COLUMN active boolean NOT NULL DEFAULT true;', `${SQUAWK}: adding-required-field`],
    ['safe', 'ALTER TABLE users ADD COLUMN seen_at timestamptz DEFAULT now();', `${SQUAWK}: adding-field-with-default`],
    ['rewrites', 'ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();', `${SQUAWK}: adding-field-with-default`],
    ['rewrites', 'ALTER TABLE users ADD COLUMN jitter float8 DEFAULT random();', `${SQUAWK}: adding-field-with-default`],
    ['rewrites', 'ALTER TABLE users ADD COLUMN seq bigserial;', `${SQUAWK}: adding-serial-primary-key-field`],
    ['rewrites', 'ALTER TABLE users ADD COLUMN n bigint GENERATED ALWAYS AS IDENTITY;', `${STRONG}: adding an auto-incrementing column`],
    [
      'rewrites',
      'ALTER TABLE orders ADD COLUMN doubled int GENERATED ALWAYS AS (qty * 2) STORED;',
      `${STRONG}: adding a stored generated column`,
    ],
    ['fails', 'ALTER TABLE users ADD COLUMN tenant bigint NOT NULL;', `${SQUAWK}: adding-required-field`],
    ['rewrites', 'ALTER TABLE audit ADD COLUMN pid bigserial PRIMARY KEY;', `${SQUAWK}: adding-serial-primary-key-field`],
    ['blocks reads', 'ALTER TABLE users ADD COLUMN code text UNIQUE;', `${SQUAWK}: disallowed-unique-constraint`],
    ['blocks writes', 'ALTER TABLE orders ADD COLUMN owner_id bigint REFERENCES users (id);', `${SQUAWK}: adding-foreign-key-constraint`],
  ],
  'not null': [
    ['blocks reads', 'ALTER TABLE users ALTER COLUMN name SET NOT NULL;', `${SQUAWK}: adding-not-nullable-field`],
    ['blocks reads', 'ALTER TABLE orders ALTER COLUMN qty SET NOT NULL;', `${STRONG}: setting NOT NULL on an existing column`],
    ['safe', 'ALTER TABLE users ADD CONSTRAINT name_not_null CHECK (name IS NOT NULL) NOT VALID;', `${STRONG}: setting NOT NULL, safe way`],
    [
      'safe',
      'ALTER TABLE users ADD CONSTRAINT name_not_null CHECK (name IS NOT NULL) NOT VALID;\nALTER TABLE users VALIDATE CONSTRAINT name_not_null;\nALTER TABLE users ALTER COLUMN name SET NOT NULL;',
      `${STRONG}: setting NOT NULL, safe way (12+)`,
    ],
  ],
  constraints: [
    ['blocks reads', 'ALTER TABLE orders ADD CONSTRAINT qty_positive CHECK (qty > 0);', `${SQUAWK}: constraint-missing-not-valid`],
    ['safe', 'ALTER TABLE orders ADD CONSTRAINT qty_positive CHECK (qty > 0) NOT VALID;', `${SQUAWK}: constraint-missing-not-valid`],
    [
      'blocks reads',
      'BEGIN;\nALTER TABLE orders ADD CONSTRAINT qty_positive CHECK (qty > 0) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT qty_positive;\nCOMMIT;',
      `${SQUAWK}: constraint-missing-not-valid`,
    ],
    ['safe', 'ALTER TABLE orders VALIDATE CONSTRAINT qty_positive;', `${SQUAWK}: constraint-missing-not-valid`],
    [
      'blocks writes',
      'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);',
      `${SQUAWK}: adding-foreign-key-constraint`,
    ],
    [
      'safe',
      'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;',
      `${SQUAWK}: adding-foreign-key-constraint`,
    ],
    ['blocks reads', 'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);', `${SQUAWK}: disallowed-unique-constraint`],
    [
      'safe',
      'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_uniq;',
      `${SQUAWK}: disallowed-unique-constraint`,
    ],
    ['blocks reads', 'ALTER TABLE audit ADD PRIMARY KEY (id);', `${SQUAWK}: adding-serial-primary-key-field`],
    [
      'safe',
      'ALTER TABLE audit ADD CONSTRAINT audit_pk PRIMARY KEY USING INDEX audit_id_uniq;',
      `${SQUAWK}: adding-serial-primary-key-field`,
    ],
    [
      'blocks reads',
      'ALTER TABLE orders ADD CONSTRAINT no_overlap EXCLUDE USING btree (user_id WITH =);',
      `${PG}: ALTER TABLE ADD EXCLUDE`,
    ],
    ['safe', 'ALTER TABLE orders DROP CONSTRAINT note_nonempty;', `${PG}: ALTER TABLE DROP CONSTRAINT`],
  ],
  indexes: [
    ['blocks writes', 'CREATE INDEX users_age ON users (age);', `${SQUAWK}: require-concurrent-index-creation`],
    ['blocks writes', 'CREATE UNIQUE INDEX users_email_idx ON users (email);', `${SQUAWK}: require-concurrent-index-creation`],
    ['safe', 'CREATE INDEX CONCURRENTLY users_age ON users (age);', `${SQUAWK}: require-concurrent-index-creation`],
    [
      'safe',
      'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON users (email);',
      `${SQUAWK}: require-concurrent-index-creation`,
    ],
    ['blocks reads', 'DROP INDEX users_handle;', `${SQUAWK}: require-concurrent-index-deletion`],
    ['safe', 'DROP INDEX CONCURRENTLY users_handle;', `${SQUAWK}: require-concurrent-index-deletion`],
    ['blocks writes', 'REINDEX INDEX users_handle;', `${SQUAWK}: require-concurrent-reindex`],
    ['blocks writes', 'REINDEX TABLE users;', `${SQUAWK}: require-concurrent-reindex`],
    ['safe', 'REINDEX INDEX CONCURRENTLY users_handle;', `${SQUAWK}: require-concurrent-reindex`],
    [
      'fails',
      'BEGIN;\nCREATE INDEX CONCURRENTLY users_age ON users (age);\nCOMMIT;',
      `${SQUAWK}: ban-concurrent-index-creation-in-transaction`,
    ],
    ['fails', 'BEGIN;\nDROP INDEX CONCURRENTLY users_handle;\nCOMMIT;', `${PG}: DROP INDEX CONCURRENTLY`],
    ['fails', 'BEGIN;\nREINDEX INDEX CONCURRENTLY users_handle;\nCOMMIT;', `${PG}: REINDEX CONCURRENTLY`],
    [
      'safe',
      'BEGIN;\nCREATE TABLE logs (id bigint);\nCREATE INDEX logs_id ON logs (id);\nCOMMIT;',
      `${SQUAWK}: require-concurrent-index-creation`,
    ],
  ],
  drops: [
    ['breaks old code', 'ALTER TABLE users DROP COLUMN nick;', `${SQUAWK}: ban-drop-column`],
    ['breaks old code', 'ALTER TABLE users DROP COLUMN IF EXISTS nick;', `${STRONG}: removing a column`],
    ['breaks old code', 'DROP TABLE orders;', `${SQUAWK}: ban-drop-table`],
    ['breaks old code', 'DROP TABLE IF EXISTS orders CASCADE;', `${STRONG}: removing a table`],
    ['blocks reads', 'TRUNCATE orders CASCADE;', `${SQUAWK}: ban-truncate-cascade`],
    ['safe', 'CREATE TABLE scratch (id bigint);\nDROP TABLE scratch;', `${SQUAWK}: ban-drop-table`],
    ['safe', 'ALTER TABLE orders ALTER COLUMN qty DROP DEFAULT;', `${PG}: ALTER COLUMN DROP DEFAULT`],
  ],
  maintenance: [
    ['rewrites', 'VACUUM FULL users;', `${SQUAWK}: prefer-repack`],
    ['rewrites', 'CLUSTER users USING users_pkey;', `${PG}: CLUSTER`],
    ['safe', 'VACUUM users;', `${PG}: VACUUM`],
    ['safe', 'VACUUM (ANALYZE) users;', `${PG}: VACUUM`],
    ['safe', 'ANALYZE users;', `${PG}: ANALYZE`],
  ],
  'data migration': [
    ['blocks writes', "UPDATE users SET status = 'active';", `${STRONG}: backfilling data`],
    ['blocks writes', "UPDATE users SET status = 'active' WHERE status IS NULL;", `${STRONG}: backfilling data`],
    ['blocks writes', 'DELETE FROM orders WHERE qty = 0;', `${STRONG}: backfilling data`],
    [
      'safe',
      "UPDATE users SET status = 'active' WHERE id IN (SELECT id FROM users WHERE status IS NULL ORDER BY id LIMIT 1000);",
      `${STRONG}: backfilling data, in batches`,
    ],
    ['safe', "UPDATE users SET status = 'active' WHERE id >= 1 AND id < 1001;", `${STRONG}: backfilling data, in batches`],
  ],
  'lock timeout': [
    ['blocks reads', 'ALTER TABLE users ADD COLUMN plan text;', `${SQUAWK}: require-lock-timeout`],
    ['blocks reads', 'DROP VIEW active_users;', ISSUE],
    ['blocks reads', 'REFRESH MATERIALIZED VIEW daily_totals;', ISSUE],
    ['blocks writes', 'CREATE INDEX users_age ON users (age);', `${SQUAWK}: require-lock-timeout`],
    ['safe', "SET lock_timeout = '2s';\nALTER TABLE users ADD COLUMN plan text;", `${SQUAWK}: require-lock-timeout`],
    [
      'safe',
      "SET lock_timeout = '2s';\nSET statement_timeout = '5min';\nCREATE TABLE tags (id bigint PRIMARY KEY);",
      `${SQUAWK}: require-lock-timeout`,
    ],
    ['safe', "SET lock_timeout = '2s';\nREFRESH MATERIALIZED VIEW CONCURRENTLY daily_totals;", ISSUE],
  ],
};

/** Classes whose cases are about the timeouts themselves: no timeout preamble. */
const BARE = new Set(['lock timeout']);
const PREAMBLE = "SET lock_timeout = '2s';\nSET statement_timeout = '5min';\n";

export const CASES: readonly MigrationCase[] = Object.entries(classes).flatMap(([kind, rows]) =>
  rows.map(([effect, sql, source], i) => ({
    id: `${kind.replace(/\W+/g, '-')}-${String(i + 1).padStart(2, '0')}`,
    kind,
    effect,
    source,
    sql: `${BARE.has(kind) ? '' : PREAMBLE}${sql}\n`,
  })),
);
