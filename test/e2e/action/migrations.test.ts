// `command: lint-migrations` of the built action, on a pull request of a real git repository:
// annotations on the diff, the job summary, a comment of its own, and a failed step.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGitHubHarness, type GitHubHarness } from '../../harness/github/index.js';
import { job, pullRequestEvent, type Checkout } from './fixture.js';
import { startStep } from './runner.js';

const TOKEN = 'ghs_e2eMigrationsToken0123456789abcdef01';
let gh: GitHubHarness;

beforeAll(async () => {
  gh = await startGitHubHarness();
  gh.fake.addToken(TOKEN);
}, 90_000);
afterAll(async () => {
  await gh?.stop();
});

/** A repository whose base adds a table and whose head drops a column the code still reads. */
function repository(): { dir: string; base: string; head: string } {
  const dir = mkdtempSync(join(tmpdir(), 'rollgate-migrations-e2e-'));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 'dev@example.com');
  git('config', 'user.name', 'dev');
  mkdirSync(join(dir, 'db/migrations'), { recursive: true });
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'db/migrations/001_users.sql'), 'CREATE TABLE users (id bigint PRIMARY KEY, email text);\n');
  writeFileSync(join(dir, 'src/users.ts'), "export const columns = ['id', 'email'];\n");
  git('add', '.');
  git('commit', '-q', '-m', 'users');
  const base = git('rev-parse', 'HEAD');
  writeFileSync(join(dir, 'db/migrations/002_drop_email.sql'), "SET lock_timeout = '2s';\nALTER TABLE users DROP COLUMN email;\n");
  git('add', '.');
  git('commit', '-q', '-m', 'drop email');
  return { dir, base, head: git('rev-parse', 'HEAD') };
}

describe('the action: command lint-migrations', () => {
  it('annotates the finding, writes the summary and its own comment, and fails the step', async () => {
    const repo = 'acme/db-1';
    const { dir, base, head } = repository();
    gh.fake.addPullRequest(repo, { number: 7, headSha: head, headRef: 'drop-email', baseRef: 'main' });
    const event = pullRequestEvent(repo, { number: 7, nodeId: gh.fake.repo(repo).pulls[0]!.nodeId, headSha: head, headRef: 'drop-email' });
    (event.payload as { pull_request: { base: { sha: string } } }).pull_request.base.sha = base;
    const steps = job({ dir } as Checkout, { repo, sha: head, apiUrl: gh.url, token: TOKEN, event });

    const result = await startStep(steps, 'main', { command: 'lint-migrations', config: '.github/rollout.yml', 'github-token': TOKEN })
      .done;
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/::error title=rollgate: drop-column,file=db\/migrations\/002_drop_email\.sql,line=2,col=1::/);
    expect(result.stdout).toContain('would break a zero-downtime deploy');
    expect(result.outputs.outcome).toBe('failed');
    expect(Number(result.outputs.findings)).toBeGreaterThanOrEqual(1);
    expect(result.summary).toContain('drop-column');
    const comments = gh.fake.repo(repo).comments.filter((c) => c.issue === 7);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain('drop-column');
    // The first file, merged before the pull request, is not linted again.
    expect(result.stdout).not.toContain('001_users.sql');
    expect(gh.front.violations.filter((v) => v.path.startsWith(`/repos/${repo}/`))).toEqual([]);
  });
});
