// Rollgate's migration gate vs squawk (npm squawk-cli) on the same corpus: which findings both make,
// which only one makes (each explained by the rule mapping), and files per second for both.
// Run: npx tsx bench/migrations.ts
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Catalog } from '../src/migrations/catalog.js';
import { lintSql, type LintedFile } from '../src/migrations/lint.js';
import { loadParser } from '../src/migrations/parse.js';
import { RULES } from '../src/migrations/rules/index.js';
import { lintMigrations } from '../src/migrations/run.js';
import { migrationsSchema } from '../src/migrations/settings.js';

const ROOT = join(import.meta.dirname, '..');
const CORPUS = join(ROOT, 'test/fixtures/migrations/corpus');
const SQUAWK = join(ROOT, 'node_modules/.bin/squawk');
const RUNS = { rollgate: 20, squawk: 10 };
// Both tools told the same thing: PostgreSQL 15, each file wrapped in a transaction by the runner.
const settings = migrationsSchema.parse({ postgresVersion: 15, transactionPerFile: true, paths: ['*.sql'] });
const SQUAWK_ARGS = ['--reporter', 'json', '--pg-version', '15', '--assume-in-transaction'];

interface SquawkFinding {
  file: string;
  line: number;
  column: number;
  rule_name: string;
  message: string;
}

/** Why squawk has no finding where Rollgate has one, by Rollgate rule. */
const ONLY_ROLLGATE: Record<string, string> = {
  'unbatched-write': 'squawk has no rule for data migrations; Rollgate flags an UPDATE/DELETE without a LIMIT batch or a bounded key range',
  'json-column': 'squawk has no json → jsonb rule',
  'int-primary-key': 'mapped to prefer-bigint-over-int / -smallint / prefer-identity; squawk skips some (e.g. int in a composite or table-level PRIMARY KEY)',
  'missing-lock-timeout': 'squawk speaks only of statements it considers slow; Rollgate also counts DROP INDEX, REINDEX, TRUNCATE, triggers, and files whose first lock comes after a harmless SET',
  'add-column-rewrite': 'squawk treats some defaults as safe that may be volatile (e.g. floor(random() …), md5(random()::text)), or misses serial/identity columns added to a live table',
  'add-required-column': 'squawk allows NOT NULL without a default in some forms (e.g. ADD COLUMN … REFERENCES)',
  'alter-column-type': 'matched by changing-column-type when squawk flags it; see the row of each case',
  'concurrently-in-transaction': 'squawk flags it only when it assumes a transaction; Rollgate also tracks explicit BEGIN … COMMIT',
  'drop-table': 'squawk skips DROP TABLE … IF EXISTS CASCADE forms in some versions',
  'vacuum-full-cluster': 'squawk has no VACUUM FULL / CLUSTER rule (prefer-repack covers only some forms)',
  'reindex-without-concurrently': 'squawk flags REINDEX only for some object kinds',
  'unique-without-index': 'squawk flags UNIQUE in ALTER TABLE, not an inline UNIQUE / PRIMARY KEY on an added column or ADD PRIMARY KEY',
  'check-without-not-valid': 'squawk (constraint-missing-not-valid) misses some CHECK forms',
  'foreign-key-without-not-valid': 'squawk misses the REFERENCES of an added column',
  'set-not-null': 'squawk flags SET NOT NULL as adding-not-nullable-field only in some forms',
  'timestamp-without-time-zone': 'squawk skips some spellings (e.g. `timestamp without time zone` in CREATE TABLE of some files)',
  'rename-table': 'squawk flags ALTER TABLE … RENAME TO; Rollgate too; unmatched only if positions differ',
  'rename-column': 'squawk flags it; unmatched only if positions differ',
  'drop-column': 'squawk flags it; unmatched only if positions differ',
  'index-without-concurrently': 'squawk exempts some tables it saw created in the same file; Rollgate exempts only those',
  'drop-index-without-concurrently': 'squawk flags it; unmatched only if positions differ',
  'truncate-cascade': 'squawk flags it; unmatched only if positions differ',
  'stored-generated-column': 'squawk reports a stored generated column as adding-field-with-default only for some expressions',
  'syntax-error': 'the file does not parse',
};

/** Why Rollgate has no finding where squawk has one, by squawk rule. */
const ONLY_SQUAWK: Record<string, string> = {
  'require-statement-timeout': 'not a Rollgate rule: lock_timeout (missing-lock-timeout) bounds the wait that blocks others; statement_timeout would abort long but harmless work',
  'prefer-text-field': 'not a Rollgate rule: varchar(n) → larger n or text is binary-coercible (alter-column-type allows it), so the limit costs no rewrite later',
  'prefer-robust-stmts': 'not a Rollgate rule: idempotency (IF NOT EXISTS) is the runner\'s job; it does not affect a zero-downtime deploy',
  'prefer-bigint-over-int': 'Rollgate flags int only on primary keys (int-primary-key), not every int column',
  'prefer-bigint-over-smallint': 'Rollgate flags smallint only on primary keys (int-primary-key)',
  'prefer-identity': 'Rollgate flags serial only as a primary key type (int-primary-key); bigserial is fine',
  'ban-char-field': 'not a Rollgate rule: char(n) is a style choice, no deploy risk',
  'transaction-nesting': 'not a Rollgate rule: a BEGIN inside the runner\'s transaction only warns in PostgreSQL; Rollgate tracks it for concurrently-in-transaction',
  'require-enum-value-ordering': 'not a Rollgate rule: enum order is no deploy risk',
  'ban-drop-not-null': 'not a Rollgate rule: DROP NOT NULL relaxes a constraint; old code keeps working',
  'changing-column-type': 'Rollgate allows binary-coercible changes (varchar(n) → varchar(m ≥ n), → text, numeric precision up, cidr → inet), proven without rewrite in test/integration/migrations/postgres.test.ts',
  'adding-field-with-default': 'Rollgate treats stable defaults (now(), constants) as safe on PostgreSQL 11+ (no rewrite, proven in the real-PostgreSQL test) and reports stored generated columns as stored-generated-column',
  'constraint-missing-not-valid': 'Rollgate exempts tables created in the same file, and reports foreign keys as foreign-key-without-not-valid',
  'adding-foreign-key-constraint': 'Rollgate exempts tables created in the same file (no running code uses them yet)',
  'require-lock-timeout': 'Rollgate speaks once per file, at the first write-blocking statement',
  'require-concurrent-index-creation': 'Rollgate exempts tables created earlier in the same file',
  'adding-not-nullable-field': 'Rollgate exempts tables created in the same file, and does not flag SET NOT NULL after a validated CHECK (PostgreSQL 12+ skips the scan)',
  'disallowed-unique-constraint': 'Rollgate exempts tables created in the same file',
  'ban-concurrent-index-creation-in-transaction': 'Rollgate honours the runner\'s no-transaction markers (-- migrate:up transaction:false)',
};

function squawk(files: string[]): Promise<{ findings: SquawkFinding[]; ms: number }> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    execFile(SQUAWK, [...SQUAWK_ARGS, ...files], { cwd: CORPUS, maxBuffer: 64 * 1024 * 1024 }, (error, stdout) => {
      const ms = performance.now() - start;
      // squawk exits 1 when it has findings.
      if (error && typeof error.code !== 'number') return reject(error);
      resolve({ findings: JSON.parse(stdout) as SquawkFinding[], ms });
    });
  });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const files = readdirSync(CORPUS).filter((f) => f.endsWith('.sql')).sort();
  const loadStart = performance.now();
  await loadParser();
  const parserMs = performance.now() - loadStart;

  // Findings, with the statements each file holds, so both tools' findings can be matched per statement.
  const catalog = new Catalog();
  const linted = new Map<string, LintedFile>();
  for (const file of files) linted.set(file, lintSql(readFileSync(join(CORPUS, file), 'utf8'), file, settings, catalog));
  const statements = [...linted.values()].reduce((n, f) => n + f.statements.length, 0);
  const statementAt = (file: string, line: number): number => {
    const list = linted.get(file)?.statements ?? [];
    let found = -1;
    for (const s of list) if (s.line <= line) found = s.index;
    return found;
  };

  const rollgateTimes: number[] = [];
  for (let i = 0; i < RUNS.rollgate; i++) {
    const start = performance.now();
    await lintMigrations({ cwd: CORPUS, settings });
    rollgateTimes.push(performance.now() - start);
  }
  const squawkTimes: number[] = [];
  let squawkFindings: SquawkFinding[] = [];
  for (let i = 0; i < RUNS.squawk; i++) {
    const run = await squawk(files);
    squawkTimes.push(run.ms);
    squawkFindings = run.findings;
  }

  const ours = [...linted.values()].flatMap((f) => f.findings.map((finding) => ({ ...finding, stmt: finding.statement ?? statementAt(f.file, finding.line) })));
  const theirs = squawkFindings.map((f) => ({ ...f, line: f.line + 1, stmt: statementAt(f.file, f.line + 1), matched: false }));
  const mapping = new Map(RULES.map((r) => [r.name, r.squawk]));

  const shared = new Map<string, number>();
  const onlyOurs = new Map<string, { count: number; at: string[] }>();
  for (const finding of ours) {
    const peers = mapping.get(finding.rule) ?? [];
    const match = theirs.find((t) => !t.matched && t.file === finding.file && t.stmt === finding.stmt && peers.includes(t.rule_name));
    if (match) {
      match.matched = true;
      const key = `${finding.rule} ↔ ${match.rule_name}`;
      shared.set(key, (shared.get(key) ?? 0) + 1);
    } else {
      const entry = onlyOurs.get(finding.rule) ?? { count: 0, at: [] };
      entry.count++;
      entry.at.push(`${finding.file}:${finding.line}`);
      onlyOurs.set(finding.rule, entry);
    }
  }
  const onlyTheirs = new Map<string, { count: number; at: string[] }>();
  for (const t of theirs.filter((t) => !t.matched)) {
    const entry = onlyTheirs.get(t.rule_name) ?? { count: 0, at: [] };
    entry.count++;
    entry.at.push(`${t.file}:${t.line}`);
    onlyTheirs.set(t.rule_name, entry);
  }
  const sum = (m: Map<string, number | { count: number }>) => [...m.values()].reduce<number>((n, v) => n + (typeof v === 'number' ? v : v.count), 0);
  const rate = (ms: number) => (files.length / (ms / 1000)).toFixed(0);
  const sortDesc = <T extends { count: number }>(m: Map<string, T>) => [...m.entries()].sort((a, b) => b[1].count - a[1].count || a[0].localeCompare(b[0]));
  const examples = (at: string[]) => at.slice(0, 2).join(', ') + (at.length > 2 ? ', …' : '');

  const out: string[] = [];
  out.push(`Corpus: ${files.length} files, ${statements} statements (test/fixtures/migrations/corpus). Both tools: PostgreSQL 15, each file in a transaction.`, '');
  out.push('| | Rollgate | squawk 2.66 |', '|---|---:|---:|');
  out.push(`| findings | ${ours.length} | ${theirs.length} |`);
  out.push(`| files/s (median of ${RUNS.rollgate} / ${RUNS.squawk} runs) | ${rate(median(rollgateTimes))} | ${rate(median(squawkTimes))} |`);
  out.push(`| corpus time, median | ${median(rollgateTimes).toFixed(1)} ms | ${median(squawkTimes).toFixed(1)} ms |`, '');
  out.push(`Rollgate runs in process after a one-time ${parserMs.toFixed(0)} ms wasm parser load; squawk's time is one process over all files (its start-up included).`, '');
  out.push('| agreement | findings |', '|---|---:|');
  out.push(`| shared (same file, same statement, mapped rule) | ${sum(shared)} |`, `| only Rollgate | ${sum(onlyOurs)} |`, `| only squawk | ${sum(onlyTheirs)} |`, '');
  out.push('Shared, by rule:', '', '| Rollgate ↔ squawk | count |', '|---|---:|');
  for (const [key, count] of [...shared.entries()].sort((a, b) => b[1] - a[1])) out.push(`| ${key} | ${count} |`);
  out.push('', 'Only Rollgate:', '', '| Rollgate rule | count | e.g. | why squawk has none |', '|---|---:|---|---|');
  for (const [rule, entry] of sortDesc(onlyOurs)) out.push(`| ${rule} | ${entry.count} | ${examples(entry.at)} | ${ONLY_ROLLGATE[rule] ?? '—'} |`);
  out.push('', 'Only squawk:', '', '| squawk rule | count | e.g. | why Rollgate has none |', '|---|---:|---|---|');
  for (const [rule, entry] of sortDesc(onlyTheirs)) out.push(`| ${rule} | ${entry.count} | ${examples(entry.at)} | ${ONLY_SQUAWK[rule] ?? '—'} |`);
  process.stdout.write(`${out.join('\n')}\n`);
}

await main();
