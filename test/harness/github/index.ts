// GitHub for tests: client → front (Accept rewrite, request log) → Prism proxy --errors (GitHub's
// official description) → stateful fake. Start it once per test file: Prism takes a few seconds.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeGitHub } from './fake.js';
import { startFront, type Front } from './front.js';
import { startPrism, type Prism } from './prism.js';

export interface GitHubHarness {
  /** What GITHUB_API_URL points at. */
  url: string;
  fake: FakeGitHub;
  front: Front;
  /** REST requests to one repository's endpoints. */
  restCalls(repo: string): Array<{ method: string; path: string; status: number }>;
  stop(): Promise<void>;
}

export async function startGitHubHarness(): Promise<GitHubHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'rollgate-github-'));
  const fake = new FakeGitHub();
  let prism: Prism | undefined;
  let front: Front | undefined;
  try {
    await fake.start();
    prism = await startPrism(fake.url, dir);
    front = await startFront(prism.url, fake.url);
  } catch (error) {
    await prism?.stop();
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  fake.publicUrl = front.url;
  const started = { prism, front };
  return {
    url: front.url,
    fake,
    front,
    restCalls: (repo) => started.front.rest.filter((r) => r.path.startsWith(`/repos/${repo}/`)),
    async stop() {
      await started.front.stop();
      await started.prism.stop();
      await fake.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
