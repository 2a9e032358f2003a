// The local state store: one JSON file per environment, written atomically.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { RolloutRecord, StateStore } from '../ports.js';

export class FileStateStore implements StateStore {
  constructor(readonly path: string) {}

  async load(): Promise<RolloutRecord | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const record = JSON.parse(text) as RolloutRecord;
    if (record?.state?.schema !== 1 || !record.plan) throw new Error(`${this.path}: not a Rollgate state file`);
    return record;
  }

  async save(record: RolloutRecord): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const temp = `${this.path}.${process.pid}.tmp`;
    await writeFile(temp, `${JSON.stringify(record, null, 2)}\n`);
    await rename(temp, this.path);
  }
}
