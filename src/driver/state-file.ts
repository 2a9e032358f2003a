// The local state store: one file per environment, checked against the record schema when read
// and guarded by a lock file beside it (one run at a time). A journal (journal.ts): a snapshot
// written atomically (temp file flushed, rename), then one appended line per save with what
// changed, so a save costs what changed, not the rollout's history. The journal is compacted into a
// new snapshot once its changes outweigh the snapshot, and on the first save of each run.
import { mkdir, open, readFile, rename, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { RolloutRecord, StateStore } from '../ports.js';
import { delta, replay, type JournalLine } from './journal.js';
import { parseRecord, UnusableRecordError } from './record.js';
import { StateLock } from './state-lock.js';

/** Appended bytes allowed per snapshot byte before the journal is compacted (amortised O(change)). */
const COMPACT_RATIO = 4;
const COMPACT_FLOOR = 64 * 1024;
import { redactJson } from '../util/secrets.js';

export class FileStateStore implements StateStore {
  readonly lock: StateLock;
  /** What this process last wrote: the base of the next change. */
  private last: { record: RolloutRecord; snapshotBytes: number; appendedBytes: number; inode: number } | undefined;

  constructor(readonly path: string) {
    this.lock = new StateLock(`${path}.lock`);
  }

  async load(): Promise<RolloutRecord | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new UnusableRecordError(`cannot read the state file ${this.path}: ${(error as Error).message}`);
    }
    if (!text.trim()) throw new UnusableRecordError(`the state file ${this.path} is empty`);
    return parseRecord(parse(text, this.path), `the state file ${this.path}`);
  }

  async save(record: RolloutRecord): Promise<void> {
    const last = this.last;
    const change = last && last.record.plan === record.plan ? delta(last.record.state, record.state) : undefined;
    if (last && change) {
      // Secrets never reach the disk, whatever text (an error, a response) carried them.
      const line = `${redactJson({ delta: change } satisfies JournalLine)}\n`;
      if (last.appendedBytes + Buffer.byteLength(line) <= Math.max(COMPACT_FLOOR, COMPACT_RATIO * last.snapshotBytes)) {
        // Only when the file is still the one this process wrote (not replaced by another run).
        const now = await identity(this.path);
        if (now?.inode === last.inode && now.size === last.snapshotBytes + last.appendedBytes) {
          await appendDurably(this.path, line);
          this.last = { ...last, record: snapshotOf(record), appendedBytes: last.appendedBytes + Buffer.byteLength(line) };
          return;
        }
      }
    }
    await mkdir(dirname(this.path), { recursive: true });
    const text = `${redactJson({ snapshot: record } satisfies JournalLine)}\n`;
    const temp = `${this.path}.${process.pid}.tmp`;
    // Flushed before the rename: a crash leaves the old record or the new one, never half of one.
    const handle = await open(temp, 'w', 0o600);
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, this.path);
    await syncDirectory(dirname(this.path));
    const written = await identity(this.path);
    this.last = written && { record: snapshotOf(record), snapshotBytes: Buffer.byteLength(text), appendedBytes: 0, inode: written.inode };
  }

  async claim(): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    await this.lock.acquire(`the rollout recorded at ${this.path}`);
  }

  async confirm(): Promise<void> {
    await this.lock.confirm(`the rollout recorded at ${this.path}`);
  }

  async release(): Promise<void> {
    await this.lock.release();
  }
}

/** A journal, or a state file written by Rollgate before the journal (one JSON object). */
function parse(text: string, path: string): unknown {
  let whole: unknown;
  try {
    whole = JSON.parse(text);
  } catch {
    try {
      return replay(text, path);
    } catch (error) {
      throw new UnusableRecordError(`the state file ${(error as Error).message}`);
    }
  }
  return whole && typeof whole === 'object' && 'snapshot' in whole ? whole.snapshot : whole;
}

/** The lists copied (their items are not changed after they are recorded), so a later save diffs against what was written. */
function snapshotOf(record: RolloutRecord): RolloutRecord {
  return {
    ...record,
    state: { ...record.state, timeline: [...record.state.timeline], measurements: [...record.state.measurements] },
  };
}

/** Appended and flushed before the save returns: a change the driver went on from survives a power loss. */
async function appendDurably(path: string, line: string): Promise<void> {
  const handle = await open(path, 'a');
  try {
    await handle.appendFile(line);
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

/** A rename is durable only once its directory is flushed. Some filesystems refuse to sync a directory: then as good as it gets. */
async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, 'r').catch(() => undefined);
  await handle
    ?.sync()
    .catch(() => undefined)
    .finally(() => handle.close());
}

/** The file's inode and size: a file another run replaced (rename) or changed is not appended to. */
async function identity(path: string): Promise<{ inode: number; size: number } | undefined> {
  try {
    const s = await stat(path);
    return { inode: s.ino, size: s.size };
  } catch {
    return undefined;
  }
}
