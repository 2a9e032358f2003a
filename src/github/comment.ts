// The sticky comment: one Rollgate comment per pull request and environment, found by a hidden
// marker and its author — the identity of the token in use, nobody else — and edited in place. It also carries the rollout's full state (gzip,
// base64, in a second hidden marker), because a deployment status holds only 140 characters.
import { gunzipSync, gzipSync } from 'node:zlib';
import type { RolloutState } from '../engine/types.js';
import type { Logger } from '../ports.js';
import { tokenIdentity, type GitHubClient } from './client.js';
import type { RepoRef } from './context.js';
import { redact, redactJson } from '../util/secrets.js';

/** GitHub refuses comments over 65,536 characters; stay well under. */
export const MAX_COMMENT = 60_000;
/** Room the embedded state may take; measurements give way first. */
export const MAX_RECORD = 20_000;

export interface EmbeddedRecord {
  deployment: number;
  state: RolloutState;
}

export interface FoundComment {
  id: number;
  body: string;
  record?: EmbeddedRecord;
}

const marker = (environment: string) => `<!-- rollgate:comment environment=${encodeURIComponent(environment)} -->`;
const RECORD = /<!-- rollgate:record v1 deployment=(\d+) ([A-Za-z0-9+/=]+) -->/;

export function encodeRecord(record: EmbeddedRecord, limit = MAX_RECORD): string | undefined {
  const state = structuredClone(record.state);
  for (;;) {
    const data = gzipSync(redactJson(state)).toString('base64');
    const text = `<!-- rollgate:record v1 deployment=${record.deployment} ${data} -->`;
    if (text.length <= limit) return text;
    if (!state.measurements.length && state.timeline.length <= 1) return undefined;
    // The oldest passing measurements go first, then the oldest of any kind, then old timeline entries.
    const drop = Math.max(1, Math.ceil(state.measurements.length / 4));
    if (state.measurements.length) {
      const passing = state.measurements.filter((m) => m.verdict === 'pass');
      const keep = new Set(passing.slice(0, drop));
      state.measurements = keep.size ? state.measurements.filter((m) => !keep.has(m)) : state.measurements.slice(drop);
    } else state.timeline = state.timeline.slice(Math.ceil(state.timeline.length / 4));
  }
}

export function decodeRecord(body: string): EmbeddedRecord | undefined {
  const match = RECORD.exec(body);
  if (!match) return undefined;
  try {
    const state = JSON.parse(gunzipSync(Buffer.from(match[2]!, 'base64')).toString('utf8')) as RolloutState;
    return state?.schema === 1 ? { deployment: Number(match[1]), state } : undefined;
  } catch {
    return undefined;
  }
}

/** The comment's body: the report (cut to fit), then the hidden markers. */
export function commentBody(environment: string, report: string, record?: EmbeddedRecord): string {
  const tail = [marker(environment), record ? encodeRecord(record) : undefined].filter(Boolean).join('\n');
  const room = MAX_COMMENT - tail.length - 2;
  const safe = redact(report);
  const text = safe.length <= room ? safe : `${safe.slice(0, room - 30)}\n\n_(report truncated)_`;
  return `${text}\n${tail}`;
}

export class StickyComment {
  private found: FoundComment | undefined;
  private searched = false;
  /** The last body written, so an unchanged report costs no request. */
  private written: string | undefined;

  constructor(
    private readonly github: GitHubClient,
    private readonly repo: RepoRef,
    readonly pullRequest: number,
    private readonly environment: string,
    private readonly log: Logger,
    /** Called with the comment's id once it is known (the post step finds it again by id). */
    private readonly onKnown?: (id: number) => void,
  ) {}

  /** Starts from a comment found earlier (the post step). */
  adopt(id: number): void {
    this.found = { id, body: '' };
    this.searched = true;
  }

  /** The existing Rollgate comment for this environment, if there is one (one listing, cached). */
  async find(): Promise<FoundComment | undefined> {
    if (this.searched) return this.found;
    const comments = await this.github.paginate(this.github.rest.issues.listComments, {
      ...this.repo,
      issue_number: this.pullRequest,
      per_page: 100,
    });
    const tag = marker(this.environment);
    // Anyone can paste the marker, and any app can write a record into it: only a comment written by
    // this token's own identity is Rollgate's to parse or edit.
    const me = comments.some((comment) => comment.body?.includes(tag)) ? await tokenIdentity(this.github, this.log) : undefined;
    for (const comment of comments) {
      if (!me || !comment.body?.includes(tag) || comment.user?.login !== me) continue;
      const record = decodeRecord(comment.body);
      this.found = { id: comment.id, body: comment.body, ...(record ? { record } : {}) };
      this.written = comment.body;
      this.onKnown?.(comment.id);
      break;
    }
    this.searched = true;
    return this.found;
  }

  /** Creates the comment or edits it in place: one request, none when nothing changed. */
  async write(report: string, record?: EmbeddedRecord): Promise<number> {
    const body = commentBody(this.environment, report, record);
    const existing = await this.find();
    if (existing && body === this.written) return existing.id;
    if (existing) {
      await this.github.rest.issues.updateComment({ ...this.repo, comment_id: existing.id, body });
    } else {
      const { data } = await this.github.rest.issues.createComment({ ...this.repo, issue_number: this.pullRequest, body });
      this.found = { id: data.id, body };
      this.onKnown?.(data.id);
    }
    this.written = body;
    this.found!.body = body;
    return this.found!.id;
  }
}
