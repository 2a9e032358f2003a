// The state file as an append-only journal, so a save costs what changed, not the whole history:
// a snapshot line ({plan, state}), then one line per save with the small fields of the state and
// only the changes to its two growing lists (timeline entries appended; measurements appended, and
// the few the engine drops once it keeps its maximum). Pure functions; state-file.ts does the I/O.
import type { RolloutState } from '../engine/types.js';
import type { RolloutRecord } from '../ports.js';

type Growing = 'timeline' | 'measurements';
const GROWING: Growing[] = ['timeline', 'measurements'];

/** Changes to a list: indexes removed from the old one (ascending), then items appended. */
export interface ListChange {
  removed?: number[];
  appended?: unknown[];
}
export interface Delta {
  /** The state without its growing lists. */
  state: Omit<RolloutState, Growing>;
  lists: Partial<Record<Growing, ListChange>>;
}
export type JournalLine = { snapshot: RolloutRecord } | { delta: Delta };

/**
 * The change from `before` to `after`, or undefined when it is not removals plus appends (then a
 * snapshot is written). Items are compared by reference first (the engine copies lists but keeps
 * their items), then by value, so the result is right whatever the caller did to the objects.
 */
export function delta(before: RolloutState, after: RolloutState): Delta | undefined {
  const lists: Delta['lists'] = {};
  for (const key of GROWING) {
    const change = listChange(before[key] as unknown[], after[key] as unknown[]);
    if (!change) return undefined;
    if (change.removed?.length || change.appended?.length) lists[key] = change;
  }
  const { timeline: _t, measurements: _m, ...state } = after;
  return { state, lists };
}

function listChange(before: unknown[], after: unknown[]): ListChange | undefined {
  const removed: number[] = [];
  let j = 0;
  for (let i = 0; i < before.length; i++) {
    if (j < after.length && same(before[i], after[j])) j++;
    else removed.push(i);
  }
  // Everything left in `after` is new; a list that lost more than it kept is cheaper as a snapshot.
  if (removed.length > before.length / 2 && before.length > 8) return undefined;
  const appended = after.slice(j);
  return { ...(removed.length ? { removed } : {}), ...(appended.length ? { appended } : {}) };
}

function same(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

export function applyDelta(record: RolloutRecord, change: Delta): RolloutRecord {
  const state = { ...change.state } as RolloutState;
  for (const key of GROWING) {
    const list = record.state[key] as unknown[];
    const c = change.lists[key];
    if (!c) {
      (state as unknown as Record<Growing, unknown[]>)[key] = list;
      continue;
    }
    const removed = new Set(c.removed ?? []);
    (state as unknown as Record<Growing, unknown[]>)[key] = [...list.filter((_, i) => !removed.has(i)), ...(c.appended ?? [])];
  }
  return { ...record, state };
}

/**
 * The record a journal holds. A last line without its newline is a save cut short by a crash: the
 * record stands as before it. Throws on anything else that is not a journal.
 */
export function replay(text: string, where: string): RolloutRecord {
  // Every line but the last ends with a newline; the last is empty, or cut short by a crash.
  const complete = text.split('\n').slice(0, -1);
  let record: RolloutRecord | undefined;
  for (const [n, line] of complete.entries()) {
    if (!line.trim()) continue;
    let entry: JournalLine;
    try {
      entry = JSON.parse(line) as JournalLine;
    } catch (error) {
      throw new Error(`${where}:${n + 1}: not a journal line (${(error as Error).message})`);
    }
    if ('snapshot' in entry) record = entry.snapshot;
    else if ('delta' in entry && record) record = applyDelta(record, entry.delta);
    else throw new Error(`${where}:${n + 1}: a change before any snapshot`);
  }
  if (!record) throw new Error(`${where}: no snapshot in the journal`);
  return record;
}
