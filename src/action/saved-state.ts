// What the main step leaves for the post step (GitHub's saveState / getState), typed and under one
// set of keys: the post step reads exactly what the main step wrote.
import * as core from '@actions/core';
import type { Outcome } from '../engine/types.js';

export interface SavedState {
  /** The main step's outcome ('none': it ended without touching traffic): the post step has nothing to do. */
  verdict?: Outcome | 'none';
  /** Path of the local rollout record; the router as validated and the report sit beside it. */
  record?: string;
  /** The spec asks for the job summary. */
  summary?: boolean;
  pullRequest?: number;
  commentId?: number;
  deploymentId?: number;
}

/** The keys as GitHub stores them (STATE_<key> in the post step's environment). */
const KEYS: Record<keyof SavedState, string> = {
  verdict: 'verdict',
  record: 'record',
  summary: 'summary',
  pullRequest: 'pull-request',
  commentId: 'comment-id',
  deploymentId: 'deployment-id',
};

export function saveState<K extends keyof SavedState>(key: K, value: NonNullable<SavedState[K]>): void {
  core.saveState(KEYS[key], String(value));
}

export function readSavedState(): SavedState {
  const text = (key: keyof SavedState) => core.getState(KEYS[key]) || undefined;
  const id = (key: 'pullRequest' | 'commentId' | 'deploymentId') => {
    const value = Number(text(key));
    return Number.isSafeInteger(value) && value > 0 ? value : undefined;
  };
  const verdict = text('verdict') as SavedState['verdict'];
  const record = text('record');
  const pullRequest = id('pullRequest');
  const commentId = id('commentId');
  const deploymentId = id('deploymentId');
  return {
    ...(verdict ? { verdict } : {}),
    ...(record ? { record } : {}),
    ...(text('summary') === 'true' ? { summary: true } : {}),
    ...(pullRequest ? { pullRequest } : {}),
    ...(commentId ? { commentId } : {}),
    ...(deploymentId ? { deploymentId } : {}),
  };
}
