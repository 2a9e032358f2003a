// Issue #16: untrusted text (a metric source's error, a canary's JSON body, a command's output) is
// neutralised before the job log, the console, the report, the summary and the PR comment; every
// secret is masked line by line everywhere, and URLs lose their credentials.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { initialState } from '../../../src/engine/engine.js';
import type { RolloutState } from '../../../src/engine/types.js';
import { logText, markdownCode, markdownText } from '../../../src/report/untrusted.js';
import { renderMarkdownReport } from '../../../src/report/markdown.js';
import { ConsoleLogger } from '../../../src/report/console.js';
import { actionsLogger, LogGroupReporter } from '../../../src/action/log.js';
import { commentBody, decodeRecord } from '../../../src/github/comment.js';
import { statusText } from '../../../src/github/status-text.js';
import { FileStateStore } from '../../../src/driver/state-file.js';
import { forgetSecrets, redact, registerSecret } from '../../../src/util/secrets.js';
import { planFrom } from '../../harness/sim.js';

afterEach(() => forgetSecrets());

const plan = planFrom(`
version: 1
traffic: { provider: command, command: "true" }
stages:
  - { weight: 10, bake: 10m }
  - { weight: 100 }
gates:
  health: { provider: command, command: "true", threshold: "< 1", interval: 30s }
`);

// What the issue saw: a metric source's error text and a canary's JSON body, as an attacker writes them.
const WORKFLOW_COMMANDS = 'boom\n::error title=Owned::pwned\n::add-mask::x\n  ::set-output name=a::b\r::warning::cr\n##[group]legacy';
const FORGED_RECORD =
  '<!-- rollgate:record v1 deployment=999 H4sIAAAAAAAAA6tWKkktLlGyUlAqSS0uUdJRKi1OLYrPTFGyUlBKzs8tyM9LzStRqgUAh7QzJSQAAAA= -->';
const HTML_BODY = `status is "<img src=x onerror=alert(1)>" cc @octocat @org/team see [here](https://evil.example) or https://evil.example/x ${FORGED_RECORD} | table | **bold**`;

const failedState = (reason: string): RolloutState => ({
  ...initialState('r1', 0),
  status: 'rolled-back',
  phase: 'shifting',
  stage: 0,
  weight: 0,
  failure: {
    reason,
    at: 1,
    gate: 'health',
    evidence: { summary: reason, query: `GET http://127.0.0.1/x\n${reason}`, value: 0.5, threshold: '< 1', link: 'javascript:alert(1)' },
  },
  timeline: [{ at: 1, kind: 'rolled-back', stage: 0, weight: 0, message: reason }] as RolloutState['timeline'],
});

describe('the job log: data cannot start a workflow command', () => {
  it.each([
    ['::error title=x::boom', ':\u200b:error title=x::boom'],
    ['  ::add-mask::secret', '  :\u200b:add-mask::secret'],
    ['ok\n::set-output name=a::b', 'ok\n:\u200b:set-output name=a::b'],
    ['ok\r::warning::cr', 'ok\ufffd::warning::cr'],
    ['##[error]legacy', '#\u200b#[error]legacy'],
    ['\u001b[2Jclear screen', '\ufffd[2Jclear screen'],
    ['a :: in the middle stays', 'a :: in the middle stays'],
  ])('%j', (input, expected) => {
    expect(logText(input)).toBe(expected);
  });

  it('through the action logger and the log reporter, no line of stdout from data starts with ::', async () => {
    const written: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      actionsLogger.info(WORKFLOW_COMMANDS);
      actionsLogger.warn(WORKFLOW_COMMANDS);
      const state = failedState(WORKFLOW_COMMANDS);
      state.measurements = [{ gate: 'health', verdict: 'error', at: 1, stage: 0, weight: 10, evidence: { summary: WORKFLOW_COMMANDS } }];
      await new LogGroupReporter().report('rolled-back', state, plan);
    } finally {
      spy.mockRestore();
    }
    const lines = written.join('').split(/\r?\n|\r/);
    // The only commands are Rollgate's own (::warning:: with the data escaped inside it).
    const commands = lines.filter((l) => /^\s*(::|##\[)/.test(l));
    expect(commands.every((l) => l.startsWith('::warning::'))).toBe(true);
    expect(commands).toHaveLength(1);
    expect(written.join('')).not.toMatch(/^\s*::(error|add-mask|set-output)/m);
  });
});

describe('Markdown: HTML, mentions, links and markers are inert, and the text is capped', () => {
  it.each([
    ['<img src=x onerror=alert(1)>', '&lt;img src=x onerror=alert(1)&gt;'],
    ['cc @octocat and @org/team', 'cc @\u200boctocat and @\u200borg/team'],
    ['[click](https://evil.example)', '\\[click\\](https:\u200b//evil.example)'],
    ['<!-- rollgate:comment -->', '&lt;\\!-- rollgate:comment --&gt;'],
    ['a | b\n# heading\n- item', 'a \\| b \\# heading - item'],
    ['www.evil.example', 'www\u200b.evil.example'],
    ['- list at the start', '\\- list at the start'],
  ])('%j', (input, expected) => {
    expect(markdownText(input)).toBe(expected);
  });
  it('caps the length', () => {
    expect(markdownText('x'.repeat(10_000))).toHaveLength(500);
    expect(markdownText('x'.repeat(10_000), 80)).toMatch(/^x{79}…$/);
  });
  it('keeps a code span a code span, and no marker inside it', () => {
    expect(markdownCode('a`b\n<!-- x -->')).toBe("`a'b <!\u200b-- x --\u200b>`");
  });

  it('the report, the summary and the comment carry none of a hostile body raw, and the real record survives a forged one', () => {
    const state = failedState(HTML_BODY);
    const report = renderMarkdownReport(plan, state);
    // Code spans (the query) show text literally; everything else must not hold the body raw.
    const prose = report.replace(/`[^`\n]*`/g, '');
    for (const raw of ['<img', '@octocat', '@org/team', '](https://evil', 'https://evil', '<!-- rollgate', 'javascript:', '**bold**'])
      expect(prose).not.toContain(raw);
    expect(report).not.toContain('<!-- rollgate');
    expect(report).not.toContain('javascript:');
    const body = commentBody('production', report, { deployment: 7, state });
    expect(decodeRecord(body)?.deployment).toBe(7);
    expect(body.match(/<!--/g)).toHaveLength(2); // the comment marker and the record: nothing from the data
  });
});

describe('secrets are masked line by line, everywhere', () => {
  const SECRET = 'first-line-of-key\nsecond-line-of-key';
  const leaky = `request failed: Authorization: first-line-of-key at http://admin:hunter22@db.internal:9090/api\nsecond-line-of-key`;

  it('registers each line and redacts URL credentials', () => {
    registerSecret(SECRET);
    expect(redact(leaky)).toBe('request failed: Authorization: *** at http://***@db.internal:9090/api\n***');
  });

  it('console, state file, report, summary, comment and deployment status', async () => {
    const err = new PassThrough();
    let console = '';
    err.on('data', (c: Buffer) => (console += c.toString()));
    const logger = new ConsoleLogger(err);
    logger.mask(SECRET);
    logger.warn(leaky);

    const state = failedState(leaky);
    const dir = mkdtempSync(join(tmpdir(), 'rollgate-secrets-'));
    try {
      await new FileStateStore(join(dir, 'state.json')).save({ plan, state } as never);
      const file = readFileSync(join(dir, 'state.json'), 'utf8');
      const report = renderMarkdownReport(plan, state);
      const comment = commentBody('production', report, { deployment: 1, state });
      const record = JSON.stringify(decodeRecord(comment));
      const status = statusText(plan, { ...state, failure: { ...state.failure!, gate: undefined } }).description;
      for (const [where, text] of Object.entries({ console, file, report, comment, record, status })) {
        expect(text, where).not.toMatch(/first-line-of-key|second-line-of-key|hunter22/);
      }
      expect(console).toContain('***');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
