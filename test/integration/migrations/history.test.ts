// Expand / contract across releases, judged from a real git history the test builds in a temp dir.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lintMigrations } from '../../../src/migrations/run.js';
import { migrationsSchema } from '../../../src/migrations/settings.js';

let repo: string;
const settings = migrationsSchema.parse({ paths: ['db/migrations/**/*.sql'] });

const git = (...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args], {
    cwd: repo,
    encoding: 'utf8',
  }).trim();

function write(files: Record<string, string>) {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(repo, path, '..'), { recursive: true });
    writeFileSync(join(repo, path), text);
  }
}

function commit(message: string, files: Record<string, string>): string {
  write(files);
  git('add', '-A');
  git('commit', '-q', '-m', message);
  return git('rev-parse', 'HEAD');
}

const LOCK = "SET lock_timeout = '2s';\n";

beforeEach(() => {
  repo = mkdtempSync(join(tmpdir(), 'rollgate-history-'));
  git('init', '-q', '-b', 'main');
  commit('release 1: users with name', {
    'db/migrations/001_users.sql': 'CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text);\n',
    'app/users.ts': 'export const load = (db) => db.query("SELECT id, name FROM users");\n',
    'README.md': '# app\n',
  });
});
afterEach(() => rmSync(repo, { recursive: true, force: true }));

const run = (base: string, head: string) => lintMigrations({ cwd: repo, settings, base, head });

describe('expand/contract across releases', () => {
  it('drop-view: passes once no code names the view, fails while the base code still queries it', async () => {
    commit('release 2: a view the code reads', {
      'db/migrations/002_view.sql': `${LOCK}CREATE VIEW named_users AS SELECT id, name FROM users;\n`,
      'app/users.ts': 'export const load = (db) => db.query("SELECT id, name FROM named_users");\n',
    });
    git('checkout', '-q', '-b', 'too-early');
    const early = commit('drop the view the code still reads', { 'db/migrations/003_drop_view.sql': `${LOCK}DROP VIEW named_users;\n` });
    const [blocked] = (await run('main', early)).findings;
    expect(blocked).toMatchObject({ rule: 'drop-view', severity: 'error' });
    expect(blocked!.message).toContain('base app/users.ts:1');

    git('checkout', '-q', 'main');
    commit('release 3: the code stops reading the view', {
      'app/users.ts': 'export const load = (db) => db.query("SELECT id, name FROM users");\n',
    });
    git('checkout', '-q', '-b', 'contract-view');
    const head = commit('drop the view', { 'db/migrations/003_drop_view.sql': `${LOCK}DROP VIEW named_users;\n` });
    const [passed] = (await run('main', head)).findings;
    expect(passed).toMatchObject({ rule: 'drop-view', severity: 'notice' });
    expect(passed!.message).toContain('safe to contract');
  });

  it('expand merged in an earlier release, then contract: passes (notice), citing the expand commit', async () => {
    const expand = commit('release 2: add full_name, code reads it', {
      'db/migrations/002_full_name.sql': `${LOCK}ALTER TABLE users ADD COLUMN full_name text;\n`,
      'app/users.ts': 'export const load = (db) => db.query("SELECT id, full_name FROM users");\n',
    });
    git('checkout', '-q', '-b', 'contract');
    const head = commit('drop name', { 'db/migrations/003_drop_name.sql': `${LOCK}ALTER TABLE users DROP COLUMN name;\n` });

    const report = await run('main', head);
    expect(report.files.map((f) => f.file)).toEqual(['db/migrations/003_drop_name.sql']);
    expect(report.findings).toHaveLength(1);
    const [finding] = report.findings;
    expect(finding).toMatchObject({ rule: 'drop-column', severity: 'notice', line: 2, column: 1 });
    expect(finding!.message).toContain('safe to contract');
    expect(finding!.message).toContain(`db/migrations/002_full_name.sql:2 merged in ${expand.slice(0, 7)}`);
  });

  it('expand and contract in one PR: fails, naming the same-PR expand and the base code that still reads the column', async () => {
    git('checkout', '-q', '-b', 'both');
    const head = commit('add full_name and drop name at once', {
      'db/migrations/002_full_name.sql': `${LOCK}ALTER TABLE users ADD COLUMN full_name text;\n`,
      'db/migrations/003_drop_name.sql': `${LOCK}ALTER TABLE users DROP COLUMN name;\n`,
      'app/users.ts': 'export const load = (db) => db.query("SELECT id, full_name FROM users");\n',
    });
    const report = await run('main', head);
    const finding = report.findings.find((f) => f.rule === 'drop-column')!;
    expect(finding.severity).toBe('error');
    expect(finding.file).toBe('db/migrations/003_drop_name.sql');
    expect(finding.message).toContain('not yet safe');
    expect(finding.message).toContain('expanded in this same PR (db/migrations/002_full_name.sql:2)');
    expect(finding.message).toContain('base app/users.ts:1');
  });

  it('old column still named in code: fails and shows the code search hits', async () => {
    commit('release 2: add full_name, but code still reads name', {
      'db/migrations/002_full_name.sql': `${LOCK}ALTER TABLE users ADD COLUMN full_name text;\n`,
      'app/report.ts': 'export const columns = ["id", "name"];\n',
    });
    git('checkout', '-q', '-b', 'contract');
    const head = commit('drop name', { 'db/migrations/003_drop_name.sql': `${LOCK}ALTER TABLE users DROP COLUMN name;\n` });
    const finding = (await run('main', head)).findings[0]!;
    expect(finding.severity).toBe('error');
    expect(finding.message).toContain('code outside the migrations still names "name"');
    expect(finding.message).toContain('head app/report.ts:1 `export const columns = ["id", "name"];`');
    expect(finding.message).toContain('head app/users.ts:1');
    expect(finding.message).not.toContain('same PR');
  });

  it('searches the camelCase spelling too, and judges a table rename the same way', async () => {
    commit('release 2: profiles; code still queries users', {
      'db/migrations/002_user_profiles.sql': `${LOCK}CREATE TABLE profiles (id bigint PRIMARY KEY, display_name text);\n`,
      'app/users.ts': 'export const load = (db) => db.query("SELECT id FROM users");\nexport const show = (p) => p.displayName;\n',
    });
    git('checkout', '-q', '-b', 'contract');
    const head = commit('contracts', {
      'db/migrations/003_contract.sql': `${LOCK}ALTER TABLE profiles DROP COLUMN display_name;\nALTER TABLE users RENAME TO accounts;\n`,
    });
    const findings = (await run('main', head)).findings;
    const drop = findings.find((f) => f.rule === 'drop-column')!;
    expect(drop.message).toContain('still names "display_name" or "displayName"');
    expect(drop.message).toContain('app/users.ts:2');
    const rename = findings.find((f) => f.rule === 'rename-table')!;
    expect(rename.severity).toBe('error');
    expect(rename.message).toContain('still names "users"');
    expect(rename.message).toContain('base app/users.ts:1');
  });

  it('a table contract is replaced by a new table or view, not by a column added elsewhere', async () => {
    commit('release 2: orders', {
      'db/migrations/002_orders.sql': 'CREATE TABLE orders (id bigint PRIMARY KEY);\nCREATE TABLE carts (id bigint PRIMARY KEY);\n',
    });
    git('checkout', '-q', '-b', 'drop-carts');
    const head = commit('drop carts, add a column to orders', {
      'db/migrations/003.sql': `${LOCK}ALTER TABLE orders ADD COLUMN note text;\nDROP TABLE carts;\n`,
    });
    const drop = (await run('main', head)).findings.find((f) => f.rule === 'drop-table')!;
    expect(drop.severity).toBe('notice');
    expect(drop.message).toContain('expand step db/migrations/002_orders.sql:1 merged in');

    const both = commit('and a new table in the same PR', { 'db/migrations/004.sql': 'CREATE TABLE baskets (id bigint PRIMARY KEY);\n' });
    const again = (await run('main', both)).findings.find((f) => f.rule === 'drop-table')!;
    expect(again.severity).toBe('error');
    expect(again.message).toContain('expanded in this same PR (db/migrations/004.sql:1)');
  });

  it('lints only the migration files changed from the merge base; untouched ones only feed the catalog', async () => {
    commit('release 2: a bad old migration nobody touches now', {
      'db/migrations/002_old.sql': 'CREATE INDEX users_name ON users (name);\n',
    });
    git('checkout', '-q', '-b', 'feature');
    const head = commit('widen nothing', {
      'db/migrations/003_type.sql': `${LOCK}ALTER TABLE users ALTER COLUMN name TYPE varchar(200);\n`,
    });
    git('checkout', '-q', 'main');
    commit('main moves on', { 'db/migrations/004_main.sql': 'DROP TABLE users;\n' });
    const report = await run('main', head);
    expect(report.files.map((f) => f.file)).toEqual(['db/migrations/003_type.sql']);
    // name is text (from 001, replayed at the merge base): text → varchar(200) is not binary-coercible.
    expect(report.findings.map((f) => f.rule)).toEqual(['alter-column-type']);
    expect(report.findings[0]!.message).toContain('from text to varchar(200)');
  });
});
