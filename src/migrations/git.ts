// The few git questions the migration gate asks, each a `git` process with argv (never a shell string).
import { execFile, spawn } from 'node:child_process';

export class GitError extends Error {}

export interface CommitInfo {
  sha: string;
  /** Committer date, YYYY-MM-DD. */
  date: string;
  subject: string;
}

export interface GrepHit {
  path: string;
  line: number;
  text: string;
}

export class GitRepo {
  constructor(readonly cwd: string) {}

  run(args: string[], okCodes: number[] = [0]): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile('git', args, { cwd: this.cwd, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        if (okCodes.includes(code)) resolve(stdout);
        else reject(new GitError(`git ${args.join(' ')}: ${stderr.trim() || error?.message || `exit ${code}`}`));
      });
    });
  }

  /** The full commit id of a ref; GitError when it names no commit. */
  async commit(ref: string): Promise<string> {
    // A ref starting with "-" would be read as an option.
    const sha = ref.startsWith('-') ? '' : (await this.run(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], [0, 1])).trim();
    if (!sha) throw new GitError(`"${ref}" is not a commit in ${this.cwd}`);
    return sha;
  }

  async mergeBase(a: string, b: string): Promise<string> {
    return (await this.run(['merge-base', a, b])).trim();
  }

  /** Files added, copied, modified or renamed from `base` to `head`. */
  async changedFiles(base: string, head: string): Promise<string[]> {
    return (await this.run(['diff', '--name-only', '-z', '--diff-filter=ACMR', base, head])).split('\0').filter(Boolean);
  }

  async listFiles(ref: string): Promise<string[]> {
    return (await this.run(['ls-tree', '-r', '-z', '--name-only', ref])).split('\0').filter(Boolean);
  }

  /** The commit that added `path` on the history of `ref`. */
  async addedIn(ref: string, path: string): Promise<CommitInfo | undefined> {
    const out = await this.run(['log', '--diff-filter=A', '--format=%H%x09%cs%x09%s', ref, '--', path]);
    const last = out.trim().split('\n').filter(Boolean).pop();
    if (!last) return undefined;
    const [sha = '', date = '', ...subject] = last.split('\t');
    return { sha, date, subject: subject.join('\t') };
  }

  /** Lines of files at `ref` naming any of `words` as a whole word (binary files skipped). */
  async grepWords(ref: string, words: string[]): Promise<GrepHit[]> {
    const args = ['grep', '-n', '-w', '-I', '-F', '--no-color', ...words.flatMap((w) => ['-e', w]), ref, '--'];
    const out = await this.run(args, [0, 1]);
    return out
      .split('\n')
      .filter(Boolean)
      .map((row) => {
        // <ref>:<path>:<line>:<text>
        const rest = row.slice(ref.length + 1);
        const match = /^(.*?):(\d+):(.*)$/.exec(rest);
        return match ? { path: match[1]!, line: Number(match[2]), text: match[3]!.trim() } : { path: rest, line: 0, text: '' };
      });
  }

  /** Reads many files at one ref through a single `git cat-file --batch`. */
  readFiles(ref: string, paths: readonly string[]): Promise<Map<string, string>> {
    return new Promise((resolve, reject) => {
      const files = new Map<string, string>();
      if (!paths.length) return resolve(files);
      const child = spawn('git', ['cat-file', '--batch'], { cwd: this.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
      const chunks: Buffer[] = [];
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) => {
        if (code !== 0) return reject(new GitError(`git cat-file --batch: ${stderr.trim() || `exit ${code}`}`));
        const out = Buffer.concat(chunks);
        let offset = 0;
        for (const path of paths) {
          const newline = out.indexOf(0x0a, offset);
          const header = out.subarray(offset, newline).toString();
          offset = newline + 1;
          const size = /^\S+ blob (\d+)$/.exec(header)?.[1];
          if (size === undefined) continue; // "<ref:path> missing"
          files.set(path, out.subarray(offset, offset + Number(size)).toString('utf8'));
          offset += Number(size) + 1;
        }
        resolve(files);
      });
      child.stdin.end(paths.map((path) => `${ref}:${path}\n`).join(''));
    });
  }
}
