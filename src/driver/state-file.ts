// The local state store: one file per environment. A journal (journal.ts): a snapshot written
// atomically (temp file, rename), then one appended line per save with what changed, so a save
// costs what changed, not the rollout's history. The journal is compacted into a new snapshot once
// its changes outweigh the snapshot, and on the first save of each run.
import { appendFile, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { RolloutRecord, StateStore } from '../ports.js';
import { delta, replay, type JournalLine } from './journal.js';

/** Appended bytes allowed per snapshot byte before the journal is compacted (amortised O(change)). */
const COMPACT_RATIO = 4;
const COMPACT_FLOOR = 64 * 1024;
import { redactJson } from '../util/secrets.js';

export class FileStateStore implements StateStore {
  /** What this process last wrote: the base of the next change. */
  private last: { record: RolloutRecord; snapshotBytes: number; appendedBytes: number; inode: number } | undefined;

  constructor(readonly path: string) {}

  async load(): Promise<RolloutRecord | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const record = parse(text, this.path);
    if (record?.state?.schema !== 1 || !record.plan) throw new Error(`${this.path}: not a Rollgate state file`);
    return record;
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
          await appendFile(this.path, line);
          this.last = { ...last, record: snapshotOf(record), appendedBytes: last.appendedBytes + Buffer.byteLength(line) };
          return;
        }
      }
    }
    await mkdir(dirname(this.path), { recursive: true });
    const text = `${redactJson({ snapshot: record } satisfies JournalLine)}\n`;
    const temp = `${this.path}.${process.pid}.tmp`;
    await writeFile(temp, text);
    await rename(temp, this.path);
    const written = await identity(this.path);
    this.last = written && { record: snapshotOf(record), snapshotBytes: Buffer.byteLength(text), appendedBytes: 0, inode: written.inode };
  }
}

/** A journal, or a state file written by Rollgate before the journal (one JSON object). */
function parse(text: string, path: string): RolloutRecord {
  try {
    const whole = JSON.parse(text) as RolloutRecord | JournalLine;
    return 'snapshot' in whole ? whole.snapshot : (whole as RolloutRecord);
  } catch {
    return replay(text, path);
  }
}

/** The lists copied (their items are not changed after they are recorded), so a later save diffs against what was written. */
function snapshotOf(record: RolloutRecord): RolloutRecord {
  return {
    plan: record.plan,
    state: { ...record.state, timeline: [...record.state.timeline], measurements: [...record.state.measurements] },
  };
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
