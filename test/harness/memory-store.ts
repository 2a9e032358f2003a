// Test-only state store: the record in memory.
import type { RolloutRecord, StateStore } from '../../src/ports.js';

/** Keeps the record in memory. The engine never mutates a state it has handed out, so no copy is needed. */
export class MemoryStateStore implements StateStore {
  record: RolloutRecord | undefined;
  saves = 0;
  async load() {
    return this.record;
  }
  async save(record: RolloutRecord) {
    this.saves += 1;
    this.record = record;
  }
}
