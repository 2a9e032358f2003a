// What the main step saves for the post step: written through @actions/core's state file, read
// back as the runner hands it over (STATE_*), typed on both sides; a value that is not what the
// main step writes (hand-edited, hostile) is dropped, never trusted.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readSavedState, saveState } from '../../../src/action/saved-state.js';
import { readFileCommand } from '../../harness/runner-files.js';

let dir: string | undefined;
afterEach(() => {
  for (const key of Object.keys(process.env)) if (key.startsWith('STATE_') || key === 'GITHUB_STATE') delete process.env[key];
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** Hands the state file over as the runner does: each entry becomes STATE_<key> of the post step. */
function handOver(file: string): void {
  for (const [key, value] of Object.entries(readFileCommand(file))) process.env[`STATE_${key}`] = value;
}

describe('saved state', () => {
  it('reads back exactly what the main step saved', () => {
    dir = mkdtempSync(join(tmpdir(), 'rollgate-state-'));
    const file = join(dir, 'state');
    writeFileSync(file, '');
    process.env.GITHUB_STATE = file;
    saveState('record', '/runner/temp/rollgate-x/record.json');
    saveState('summary', true);
    saveState('pullRequest', 44);
    saveState('commentId', 9001);
    saveState('deploymentId', 1234);
    saveState('verdict', 'rolled-back');
    handOver(file);
    expect(readSavedState()).toEqual({
      verdict: 'rolled-back',
      record: '/runner/temp/rollgate-x/record.json',
      summary: true,
      pullRequest: 44,
      commentId: 9001,
      deploymentId: 1234,
    });
  });

  it('nothing saved: nothing read (the main step failed before traffic moved)', () => {
    expect(readSavedState()).toEqual({});
  });

  it('drops ids that are not positive whole numbers', () => {
    process.env['STATE_pull-request'] = '-3';
    process.env['STATE_comment-id'] = '1e400';
    process.env['STATE_deployment-id'] = '12abc';
    process.env.STATE_summary = 'yes';
    expect(readSavedState()).toEqual({});
  });
});
