// Untrusted text (a metric source's error, a service's response body, a command's output, a pull
// request's title) on its way to the job log or to Markdown (PR comment, job summary, report file).
// One home for both neutralisers, so every path applies the same rules. Secrets are redacted first.
import { redact } from '../util/secrets.js';

const ZWSP = '\u200b';
// Control characters other than tab and newline: terminal escapes (ANSI colours, cursor moves, CR).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/**
 * Text for the job log: no line of it can start a workflow command. The runner reads `::cmd::` (and
 * the legacy `##[cmd]`) at the start of any line, so a zero-width space goes between the two marks.
 */
export function logText(text: string): string {
  return redact(text)
    .replace(CONTROL, '\ufffd')
    .replace(/^(\s*)(::|##\[)/gm, (_whole, space: string, start: string) => `${space}${start[0]}${ZWSP}${start.slice(1)}`);
}

/** The longest untrusted text in a report line; the evidence link and the state file keep the rest. */
export const MAX_MARKDOWN_TEXT = 500;

const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/**
 * Text for Markdown, as one inline run: no HTML (so no `<img>`, no `<!--` that could pass for one of
 * Rollgate's markers), no Markdown syntax (links, emphasis, tables), no @mention, no bare autolink,
 * no new block; at most `max` characters.
 */
export function markdownText(text: string, max = MAX_MARKDOWN_TEXT): string {
  return clip(redact(text).replace(/\s+/g, ' ').trim(), max)
    .replace(/[\\`*_[\]|~#!]/g, '\\$&')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@(?=[\w-])/g, `@${ZWSP}`)
    .replace(/:\/\//g, `:${ZWSP}//`)
    .replace(/\bwww\./gi, (w) => `${w.slice(0, 3)}${ZWSP}.`)
    .replace(/^([-+=]|\d+[.)])/, '\\$1');
}

/**
 * Text for a Markdown code span (queries): literal there, so only what could end the span, break the
 * line or pass for a hidden marker in the raw body is changed.
 */
export function markdownCode(text: string, max = MAX_MARKDOWN_TEXT): string {
  const flat = clip(redact(text).replace(/\s+/g, ' ').trim(), max)
    .replace(/`/g, "'")
    .replace(/<!--/g, `<!${ZWSP}--`)
    .replace(/-->/g, `--${ZWSP}>`);
  return `\`${flat || ' '}\``;
}

/** A link target for Markdown: http(s) only, credentials redacted; otherwise undefined. */
export function markdownLink(url: string | undefined): string | undefined {
  if (!url || !/^https?:\/\/[^\s<>()]+$/i.test(url)) return undefined;
  return redact(url);
}
