// Rollgate's migration gate vs squawk (npm squawk-cli), in two parts:
// 1. the labelled corpus (bench/migration-cases.ts): each case labelled with its real effect; hazards caught,
//    false errors on safe forms, per class, beside squawk;
// 2. the project-shaped corpus (test/fixtures/migrations/corpus): which findings both make, which only one
//    makes (each explained by the rule mapping), and files per second for both.
// Run: npx tsx bench/migrations.ts
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Catalog } from '../src/migrations/catalog.js';
import { lintSql, type LintedFile } from '../src/migrations/lint.js';
import { loadParser } from '../src/migrations/parse.js';
import { RULES } from '../src/migrations/rules/index.js';
import { lintMigrations } from '../src/migrations/run.js';
import { migrationsSchema } from '../src/migrations/settings.js';
import { CASES, SCHEMA } from './migration-cases.js';

const ROOT = join(import.meta.dirname, '..');
const CORPUS = join(ROOT, 'test/fixtures/migrations/corpus');
const SQUAWK = join(ROOT, 'node_modules/.bin/squawk');
/** e.g. "squawk 2.61.0", as the binary says. */
const SQUAWK_VERSION = execFileSync(SQUAWK, ['--version'], { encoding: 'utf8' }).trim();
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

/** Why squawk has no finding where Rollgate has one, by Rollgate rule (checked against this corpus). */
const ONLY_ROLLGATE: Record<string, string> = {
  'unbatched-write':
    'squawk has no rule for data migrations; Rollgate flags an UPDATE / DELETE without a LIMIT batch or a bounded key range',
  'json-column': 'squawk has no json → jsonb rule',
  'missing-lock-timeout':
    "squawk asks once per file at the first statement it deems slow (even CREATE EXTENSION / TYPE / FUNCTION); Rollgate at the first statement that takes a write-blocking lock on a live table (CREATE INDEX, CREATE TRIGGER, a foreign key's target, LOCK TABLE), so they often point at different statements",
  'vacuum-full-cluster': 'squawk flags neither VACUUM FULL nor CLUSTER',
  'drop-view': 'squawk has no rule for dropping a view the old version still queries',
  'concurrently-in-transaction':
    "squawk's rule covers CREATE INDEX CONCURRENTLY only; PostgreSQL refuses DROP INDEX CONCURRENTLY in a transaction too",
};

/** Why Rollgate has no finding where squawk has one, by squawk rule (checked against this corpus). */
const ONLY_SQUAWK: Record<string, string> = {
  'require-statement-timeout':
    'not a Rollgate rule: lock_timeout (missing-lock-timeout) bounds the wait that blocks others; a statement_timeout would abort long but harmless work',
  'prefer-text-field':
    'not a Rollgate rule: widening varchar(n) later, or making it text, is binary-coercible (no rewrite; alter-column-type allows it)',
  'require-lock-timeout':
    "squawk's once-per-file warning lands on a statement that locks no live table (CREATE EXTENSION / TYPE / FUNCTION / MATERIALIZED VIEW) or on a table created in the same file, which Rollgate exempts",
  'prefer-bigint-over-int': 'Rollgate asks for bigint on primary keys only (int-primary-key), not on every int column',
  'prefer-bigint-over-smallint': 'Rollgate asks for bigint on primary keys only (int-primary-key)',
  'changing-column-type':
    'binary-coercible changes (varchar(n) → varchar(m ≥ n), varchar → text) or a table created in the same file: no rewrite, as the real-PostgreSQL test shows',
  'transaction-nesting':
    "not a Rollgate rule: a BEGIN inside the runner's transaction only warns; Rollgate tracks it for concurrently-in-transaction",
  'ban-concurrent-index-creation-in-transaction':
    "the file opts out of the runner's transaction (-- migrate:up transaction:false), which Rollgate honours",
  'prefer-identity': 'a bigserial key: Rollgate does not ask for identity over a 64-bit sequence',
  'prefer-robust-stmts': "not a Rollgate rule: idempotency (IF NOT EXISTS) is the runner's concern, not a zero-downtime one",
  'adding-not-nullable-field': 'the table was created in the same file: no running code uses it yet',
  'adding-field-with-default': 'the table was created in the same file: rewriting an empty table costs nothing',
  'require-concurrent-index-creation': 'the (materialized) view was created in the same file',
  'ban-char-field': 'not a Rollgate rule: char(n) is style, no deploy risk',
  'constraint-missing-not-valid':
    'VALIDATE of a constraint on a table created in the same file: no row to scan and no reader to block (new-table exemption)',
  'require-enum-value-ordering': 'not a Rollgate rule: enum order is no deploy risk',
};

function squawk(files: string[], cwd = CORPUS, args = SQUAWK_ARGS): Promise<{ findings: SquawkFinding[]; ms: number }> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    execFile(SQUAWK, [...args, ...files], { cwd, maxBuffer: 64 * 1024 * 1024 }, (error, stdout) => {
      const ms = performance.now() - start;
      // squawk exits 1 when it has findings.
      if (error && typeof error.code !== 'number') return reject(error);
      resolve({ findings: JSON.parse(stdout) as SquawkFinding[], ms });
    });
  });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(parserMs: number): Promise<void> {
  const files = readdirSync(CORPUS)
    .filter((f) => f.endsWith('.sql'))
    .sort();

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

  const ours = [...linted.values()].flatMap((f) =>
    f.findings.map((finding) => ({ ...finding, stmt: finding.statement ?? statementAt(f.file, finding.line) })),
  );
  const theirs = squawkFindings.map((f) => ({ ...f, line: f.line + 1, stmt: statementAt(f.file, f.line + 1), matched: false }));
  const mapping = new Map(RULES.map((r) => [r.name, r.squawk]));

  // A Rollgate finding is shared when squawk flags the same statement with a mapped rule; squawk often
  // flags one statement under two rules (e.g. adding-foreign-key-constraint and constraint-missing-not-valid):
  // all of them count as matched.
  const shared = new Map<string, number>();
  const onlyOurs = new Map<string, { count: number; at: string[] }>();
  for (const finding of ours) {
    const peers = mapping.get(finding.rule) ?? [];
    const matches = theirs.filter((t) => t.file === finding.file && t.stmt === finding.stmt && peers.includes(t.rule_name));
    if (matches.length) {
      for (const match of matches) match.matched = true;
      const key = `${finding.rule} ↔ ${[...new Set(matches.map((m) => m.rule_name))].join(' + ')}`;
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
  const sum = (m: Map<string, number | { count: number }>) =>
    [...m.values()].reduce<number>((n, v) => n + (typeof v === 'number' ? v : v.count), 0);
  const rate = (ms: number) => (files.length / (ms / 1000)).toFixed(0);
  const sortDesc = <T extends { count: number }>(m: Map<string, T>) =>
    [...m.entries()].sort((a, b) => b[1].count - a[1].count || a[0].localeCompare(b[0]));
  const examples = (at: string[]) => at.slice(0, 2).join(', ') + (at.length > 2 ? ', …' : '');

  const out: string[] = [];
  out.push(
    `Corpus: ${files.length} files, ${statements} statements (test/fixtures/migrations/corpus). Both tools: PostgreSQL 15, each file in a transaction.`,
    '',
  );
  out.push(`| | Rollgate | ${SQUAWK_VERSION} |`, '|---|---:|---:|');
  out.push(`| findings | ${ours.length} | ${theirs.length} |`);
  out.push(
    `| files/s (median of ${RUNS.rollgate} / ${RUNS.squawk} runs) | ${rate(median(rollgateTimes))} | ${rate(median(squawkTimes))} |`,
  );
  out.push(`| corpus time, median | ${median(rollgateTimes).toFixed(1)} ms | ${median(squawkTimes).toFixed(1)} ms |`, '');
  out.push(
    `Rollgate runs in process after a one-time ${parserMs.toFixed(0)} ms wasm parser load; squawk's time is one process over all files (its start-up included).`,
    '',
  );
  out.push('| agreement | findings |', '|---|---:|');
  const absorbed = theirs.filter((t) => t.matched).length;
  out.push(
    `| shared: Rollgate findings squawk also makes (same statement, mapped rule) | ${sum(shared)} (${absorbed} squawk findings) |`,
    `| only Rollgate | ${sum(onlyOurs)} |`,
    `| only squawk | ${sum(onlyTheirs)} |`,
    '',
  );
  out.push('Shared, by rule:', '', '| Rollgate ↔ squawk | count |', '|---|---:|');
  for (const [key, count] of [...shared.entries()].sort((a, b) => b[1] - a[1])) out.push(`| ${key} | ${count} |`);
  out.push('', 'Only Rollgate:', '', '| Rollgate rule | count | e.g. | why squawk has none |', '|---|---:|---|---|');
  for (const [rule, entry] of sortDesc(onlyOurs))
    out.push(`| ${rule} | ${entry.count} | ${examples(entry.at)} | ${ONLY_ROLLGATE[rule] ?? '—'} |`);
  out.push('', 'Only squawk:', '', '| squawk rule | count | e.g. | why Rollgate has none |', '|---|---:|---|---|');
  for (const [rule, entry] of sortDesc(onlyTheirs))
    out.push(`| ${rule} | ${entry.count} | ${examples(entry.at)} | ${ONLY_SQUAWK[rule] ?? '—'} |`);
  process.stdout.write(`${out.join('\n')}\n`);
}

// --- Part 1: the labelled corpus -------------------------------------------------------------------------

// Each case runs as written (BEGIN … COMMIT where a runner would wrap it), so neither tool assumes a transaction.
const CASE_SETTINGS = migrationsSchema.parse({ postgresVersion: 15, transactionPerFile: false, paths: ['*.sql'] });
const CASE_SQUAWK_ARGS = ['--reporter', 'json', '--pg-version', '15'];
/** Rules about style, not a deploy hazard: they neither catch a hazard nor count as a false alarm. */
const STYLE = new Set([
  ...RULES.filter((rule) => rule.category === 'hygiene').map((rule) => rule.name),
  'prefer-robust-stmts',
  'prefer-text-field',
  'prefer-bigint-over-int',
  'prefer-bigint-over-smallint',
  'prefer-identity',
  'prefer-timestamp-tz',
  'ban-char-field',
  'require-enum-value-ordering',
]);

interface Verdict {
  rules: string[];
  /** Would fail the CI job: any Rollgate error; any squawk finding (squawk exits 1 on every one). */
  fails: boolean;
}

async function labelledCorpus(): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'rollgate-bench-cases-'));
  try {
    for (const c of CASES) writeFileSync(join(dir, `${c.id}.sql`), c.sql);
    const theirs = await squawk(
      CASES.map((c) => `${c.id}.sql`),
      dir,
      CASE_SQUAWK_ARGS,
    );
    const verdicts = CASES.map((c) => {
      const catalog = new Catalog();
      lintSql(SCHEMA, 'schema.sql', CASE_SETTINGS, catalog);
      const ours = lintSql(c.sql, `${c.id}.sql`, CASE_SETTINGS, catalog).findings.filter((f) => !STYLE.has(f.rule));
      const squawkRules = theirs.findings.filter((f) => f.file === `${c.id}.sql` && !STYLE.has(f.rule_name)).map((f) => f.rule_name);
      const rollgate: Verdict = { rules: ours.map((f) => f.rule), fails: ours.some((f) => f.severity === 'error') };
      return { c, rollgate, squawk: { rules: squawkRules, fails: squawkRules.length > 0 } satisfies Verdict };
    });
    if (process.env.BENCH_CASES === 'verbose')
      for (const v of verdicts)
        console.error(v.c.id, v.c.effect, '| rollgate:', v.rollgate.rules.join(','), '| squawk:', v.squawk.rules.join(','));
    type Row = (typeof verdicts)[number];
    const hazard = (v: Row) => v.c.effect !== 'safe';
    const caught = (v: Verdict) => v.rules.length > 0;
    const count = (rows: Row[], test: (v: Row) => boolean) => rows.filter(test).length;
    const hazards = verdicts.filter(hazard);
    const safe = verdicts.filter((v) => !hazard(v));
    const ids = (rows: Row[]) => rows.map((v) => v.c.id).join(', ') || 'none';

    const out: string[] = [];
    out.push(
      `Labelled corpus: ${CASES.length} cases (${hazards.length} hazards, ${safe.length} safe forms) from squawk's and strong_migrations' documented examples and PostgreSQL's lock docs per ALTER form (bench/migration-cases.ts); PostgreSQL 15, each case as written.`,
      '',
      `| | Rollgate | ${SQUAWK_VERSION} |`,
      '|---|---:|---:|',
      `| hazards caught (of ${hazards.length}) | ${count(hazards, (v) => caught(v.rollgate))} | ${count(hazards, (v) => caught(v.squawk))} |`,
      `| hazards the other tool catches and this one misses | ${count(hazards, (v) => caught(v.squawk) && !caught(v.rollgate))} | ${count(hazards, (v) => caught(v.rollgate) && !caught(v.squawk))} |`,
      `| false errors on safe forms (fail CI, of ${safe.length}) | ${count(safe, (v) => v.rollgate.fails)} | ${count(safe, (v) => v.squawk.fails)} |`,
      `| warnings on safe forms (CI passes) | ${count(safe, (v) => caught(v.rollgate) && !v.rollgate.fails)} | — |`,
      '',
      `| class | cases | hazards | caught: Rollgate | caught: squawk | false errors: Rollgate | false errors: squawk |`,
      '|---|---:|---:|---:|---:|---:|---:|',
    );
    const kinds = [...new Set(CASES.map((c) => c.kind))];
    for (const kind of kinds) {
      const rows = verdicts.filter((v) => v.c.kind === kind);
      const h = rows.filter(hazard);
      const s = rows.filter((v) => !hazard(v));
      out.push(
        `| ${kind} | ${rows.length} | ${h.length} | ${count(h, (v) => caught(v.rollgate))} | ${count(h, (v) => caught(v.squawk))} | ${count(s, (v) => v.rollgate.fails)} | ${count(s, (v) => v.squawk.fails)} |`,
      );
    }
    out.push('', '| effect | cases | caught: Rollgate | caught: squawk |', '|---|---:|---:|---:|');
    for (const effect of [...new Set(hazards.map((v) => v.c.effect))])
      out.push(
        `| ${effect} | ${count(hazards, (v) => v.c.effect === effect)} | ${count(hazards, (v) => v.c.effect === effect && caught(v.rollgate))} | ${count(hazards, (v) => v.c.effect === effect && caught(v.squawk))} |`,
      );
    out.push(
      '',
      `Hazards squawk catches and Rollgate misses: ${ids(hazards.filter((v) => caught(v.squawk) && !caught(v.rollgate)))}.`,
      `Hazards both miss: ${ids(hazards.filter((v) => !caught(v.squawk) && !caught(v.rollgate)))}.`,
      `Rollgate errors on safe forms: ${ids(safe.filter((v) => v.rollgate.fails))}.`,
      `squawk findings on safe forms: ${
        safe
          .filter((v) => v.squawk.fails)
          .map((v) => `${v.c.id} (${[...new Set(v.squawk.rules)].join(', ')})`)
          .join('; ') || 'none'
      }.`,
      '',
    );
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const loadStart = performance.now();
await loadParser();
const parserMs = performance.now() - loadStart;
process.stdout.write(`${(await labelledCorpus()).join('\n')}\n`);
await main(parserMs);
