import { describe, expect, it } from 'vitest';
import { formatSpecError, parseSpec } from '../../../src/config/load.js';

// A valid spec; each case below breaks one thing. Line numbers refer to the case's own text.
const BASE = `version: 1
strategy: canary
environment: production
traffic:
  provider: command
  command: ./set-weight.sh
stages:
  - weight: 1
    bake: 10m
  - weight: 5
    bake: 20m
  - weight: 100
gates:
  errors:
    provider: command
    command: ./errors.sh
    threshold: "< 0.01"
    interval: 30s
`;

/** BASE with line `n` (1-based) replaced by `text` (which may hold several lines). */
const withLine = (n: number, text: string) =>
  BASE.split('\n')
    .map((line, i) => (i === n - 1 ? text : line))
    .join('\n');
const appended = (text: string) => `${BASE}${text}\n`;

interface Case {
  name: string;
  yaml: string;
  line: number;
  column: number;
  path: string;
  message: RegExp;
}

const cases: Case[] = [
  {
    name: 'weight over 100',
    yaml: withLine(10, '  - weight: 150'),
    line: 10,
    column: 13,
    path: 'stages[1].weight',
    message: /must be at most 100 \(got 150\)/,
  },
  {
    name: 'negative weight',
    yaml: withLine(8, '  - weight: -1'),
    line: 8,
    column: 13,
    path: 'stages[0].weight',
    message: /must be at least 0 \(got -1\)/,
  },
  {
    name: 'fractional weight',
    yaml: withLine(8, '  - weight: 2.5'),
    line: 8,
    column: 13,
    path: 'stages[0].weight',
    message: /whole number \(got 2\.5\)/,
  },
  {
    name: 'weight as text',
    yaml: withLine(8, '  - weight: lots'),
    line: 8,
    column: 13,
    path: 'stages[0].weight',
    message: /expected number \(got string "lots"\)/,
  },
  {
    name: 'missing weight',
    yaml: withLine(8, '  - bake: 1m').replace('    bake: 10m\n', ''),
    line: 8,
    column: 5,
    path: 'stages[0].weight',
    message: /is required/,
  },
  {
    name: 'decreasing weights',
    yaml: withLine(10, '  - weight: 0'),
    line: 10,
    column: 13,
    path: 'stages[1].weight',
    message: /must not decrease \(0 after 1\)/,
  },
  {
    name: 'stage after 100',
    yaml: withLine(12, '  - weight: 100\n  - weight: 100'),
    line: 13,
    column: 5,
    path: 'stages[3]',
    message: /no stage may follow the 100% stage/,
  },
  {
    name: 'misspelt bake',
    yaml: withLine(9, '    bakee: 10m'),
    line: 9,
    column: 5,
    path: 'stages[0].bakee',
    message: /unknown key "bakee" \(did you mean "bake"\?\)/,
  },
  {
    name: 'bad duration',
    yaml: withLine(9, '    bake: 10 minutes'),
    line: 9,
    column: 11,
    path: 'stages[0].bake',
    message: /expected a duration such as "30s"/,
  },
  {
    name: 'duration as number',
    yaml: withLine(9, '    bake: 10'),
    line: 9,
    column: 11,
    path: 'stages[0].bake',
    message: /expected a duration .*\(got 10\)/,
  },
  {
    name: 'unknown gate in a stage',
    yaml: withLine(11, '    bake: 20m\n    gates: [errors, latency]'),
    line: 12,
    column: 21,
    path: 'stages[1].gates[1]',
    message: /no gate named "latency" \(gates: errors\)/,
  },
  {
    name: 'approval not boolean',
    yaml: withLine(11, '    bake: 20m\n    approval: maybe'),
    line: 12,
    column: 15,
    path: 'stages[1].approval',
    message: /expected boolean/,
  },
  {
    name: 'no stages',
    yaml: BASE.replace(/stages:\n( {2}.*\n)+/, 'stages: []\n'),
    line: 7,
    column: 9,
    path: 'stages',
    message: /needs at least 1 item/,
  },
  { name: 'stages missing', yaml: BASE.replace(/stages:\n( {2}.*\n)+/, ''), line: 1, column: 1, path: 'stages', message: /is required/ },
  { name: 'version 2', yaml: withLine(1, 'version: 2'), line: 1, column: 10, path: 'version', message: /expected 1 \(got 2\)/ },
  { name: 'unknown strategy', yaml: withLine(2, 'strategy: yolo'), line: 2, column: 11, path: 'strategy', message: /expected "canary"/ },
  {
    name: 'unknown top-level key',
    yaml: appended('rolback:\n  revert: none'),
    line: 19,
    column: 1,
    path: 'rolback',
    message: /unknown key "rolback" \(did you mean "rollback"\?\)/,
  },
  {
    name: 'bad revert mode',
    yaml: appended('rollback:\n  revert: always'),
    line: 20,
    column: 11,
    path: 'rollback.revert',
    message: /expected "none" \| "pull-request" \(got "always"\)/,
  },
  {
    name: 'notify not boolean',
    yaml: appended('notify:\n  pullRequest: yes please'),
    line: 20,
    column: 16,
    path: 'notify.pullRequest',
    message: /expected boolean/,
  },
  {
    name: 'unknown traffic provider',
    yaml: withLine(5, '  provider: haproxi'),
    line: 5,
    column: 13,
    path: 'traffic.provider',
    message: /unknown provider "haproxi"; expected one of/,
  },
  {
    name: 'traffic provider missing',
    yaml: withLine(5, '  socket: /x'),
    line: 5,
    column: 3,
    path: 'traffic.provider',
    message: /unknown provider|is required/,
  },
  {
    name: 'traffic command missing',
    yaml: withLine(6, '  verify: ./get.sh'),
    line: 5,
    column: 3,
    path: 'traffic.command',
    message: /is required/,
  },
  {
    name: 'misspelt traffic key',
    yaml: withLine(6, '  comand: ./set-weight.sh'),
    line: 6,
    column: 3,
    path: 'traffic.comand',
    message: /did you mean "command"/,
  },
  {
    name: 'unknown gate provider',
    yaml: withLine(15, '    provider: promethus'),
    line: 15,
    column: 15,
    path: 'gates.errors.provider',
    message: /did you mean "prometheus"/,
  },
  {
    name: 'bad threshold',
    yaml: withLine(17, '    threshold: "about 1%"'),
    line: 17,
    column: 16,
    path: 'gates.errors.threshold',
    message: /expected a threshold such as/,
  },
  {
    name: 'inverted between',
    yaml: withLine(17, '    threshold: "between 5 and 1"'),
    line: 17,
    column: 16,
    path: 'gates.errors.threshold',
    message: /low end above its high end/,
  },
  {
    name: 'misspelt interval',
    yaml: withLine(18, '    intervall: 30s'),
    line: 18,
    column: 5,
    path: 'gates.errors.intervall',
    message: /did you mean "interval"/,
  },
  {
    name: 'negative failureLimit',
    yaml: appended('    failureLimit: -1'),
    line: 19,
    column: 19,
    path: 'gates.errors.failureLimit',
    message: /at least 0/,
  },
  {
    name: 'bad noData',
    yaml: appended('    noData: ignore'),
    line: 19,
    column: 13,
    path: 'gates.errors.noData',
    message: /expected "fail" \| "inconclusive" \| "pass"/,
  },
  { name: 'zero count', yaml: appended('    count: 0'), line: 19, column: 12, path: 'gates.errors.count', message: /at least 1/ },
  {
    name: 'bad gate name',
    yaml: appended('  "bad name!":\n    provider: command\n    command: x'),
    line: 19,
    column: 3,
    path: 'gates["bad name!"]',
    message: /gate names are letters/,
  },
  {
    name: 'prometheus without query or compare',
    yaml: appended('  p:\n    provider: prometheus\n    url: http://127.0.0.1:9090'),
    line: 20,
    column: 5,
    path: 'gates.p',
    message: /needs either query with threshold, or compare/,
  },
  {
    name: 'prometheus query without threshold',
    yaml: appended('  p:\n    provider: prometheus\n    url: http://127.0.0.1:9090\n    query: up'),
    line: 22,
    column: 12,
    path: 'gates.p.query',
    message: /a query needs a threshold/,
  },
  {
    name: 'bad URL',
    yaml: appended('  h:\n    provider: http\n    url: not a url'),
    line: 21,
    column: 10,
    path: 'gates.h.url',
    message: /expected an http:\/\/ or https:\/\/ URL/,
  },
  {
    name: 'bad compare judge',
    yaml: appended(
      '  p:\n    provider: prometheus\n    url: http://x:9090\n    compare:\n      canary: a\n      baseline: b\n      judge: t-test',
    ),
    line: 25,
    column: 14,
    path: 'gates.p.compare.judge',
    message: /expected "mann-whitney" \| "sequential"/,
  },
  {
    name: 'bad tolerance',
    yaml: appended(
      '  p:\n    provider: prometheus\n    url: http://x:9090\n    compare:\n      canary: a\n      baseline: b\n      tolerance: 10',
    ),
    line: 25,
    column: 18,
    path: 'gates.p.compare.tolerance',
    message: /percentage such as "10%"/,
  },
  {
    name: 'environment object without name',
    yaml: withLine(3, 'environment: { url: "https://x.example" }'),
    line: 3,
    column: 14,
    path: 'environment.name',
    message: /is required/,
  },
  {
    name: 'duplicate key',
    yaml: withLine(9, '    bake: 10m\n    bake: 20m'),
    line: 10,
    column: 5,
    path: 'stages[0].bake',
    message: /duplicate key "bake"/,
  },
  { name: 'tab indentation', yaml: withLine(9, '\tbake: 10m'), line: 9, column: 1, path: '', message: /tab used for indentation/ },
  { name: 'YAML syntax error', yaml: withLine(8, '  - weight: [1, 2'), line: 9, column: 5, path: '', message: /^YAML: Flow sequence/ },
  { name: 'empty file', yaml: '', line: 1, column: 1, path: '', message: /the file is empty/ },
];

describe('malformed specs', () => {
  it('has a large table', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  it.each(cases)('$name → $line:$column $path', ({ yaml, line, column, path, message }) => {
    const result = parseSpec(yaml, 'rollout.yml');
    expect(result.ok).toBe(false);
    const errors = result.errors;
    const match = errors.find((e) => e.path === path && message.test(e.message));
    expect(match, `no error at ${path} matching ${message}; got:\n${errors.map(formatSpecError).join('\n')}`).toBeDefined();
    expect({ line: match!.line, column: match!.column }).toEqual({ line, column });
    expect(formatSpecError(match!)).toMatch(new RegExp(`^rollout\\.yml:${line}:${column} `));
  });

  it('accepts the base spec', () => {
    const result = parseSpec(BASE);
    expect(result.errors).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('reports every problem of a file at once', () => {
    const yaml = BASE.replace('  - weight: 5\n', '  - weight: 500\n')
      .replace('    bake: 10m', '    bakee: 10m')
      .replace('interval: 30s', 'interval: soon');
    const result = parseSpec(yaml, 'rollout.yml');
    expect(result.errors.map((e) => e.path)).toEqual(['stages[0].bakee', 'stages[1].weight', 'stages[2].weight', 'gates.errors.interval']);
    expect(result.errors[2]!.message).toBe('weights must not decrease (100 after 500)');
  });
});
