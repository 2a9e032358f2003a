// Issue #16, as a property: whatever strings a spec holds, no generated NGINX include, HAProxy command,
// PromQL query, state/report path or API path segment escapes its slot. Strings are built from hostile
// fragments and arbitrary Unicode; a fixed seed keeps runs repeatable (and fast).
import { resolve, sep } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSpec } from '../../../src/config/load.js';
import { canaryShare, parseUpstream, renderUpstream, type NginxSpec } from '../../../src/traffic/nginx.js';
import { serverCommand } from '../../../src/traffic/haproxy.js';
import { renderTemplate } from '../../../src/gates/template.js';
import { TemplateValueError } from '../../../src/gates/query-escape.js';
import { rollgateFile } from '../../../src/cli/spec-arg.js';

const SETTINGS = { seed: 1616, numRuns: 300 };
const FRAGMENTS = [
  '"',
  "'",
  '`',
  '\\',
  '\n',
  '\r',
  ';',
  '#',
  '{',
  '}',
  ' ',
  'weight=1000',
  'down',
  '../',
  '/',
  ':',
  '127.0.0.1:1',
  '\u2028',
  'server',
];
/** Strings made of hostile fragments, plain words and arbitrary Unicode. */
const hostile = fc
  .array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.stringMatching(/^[a-z0-9._-]{1,6}$/), fc.string({ unit: 'binary', maxLength: 4 })), {
    minLength: 1,
    maxLength: 8,
  })
  .map((parts) => parts.join(''));

const yamlString = (text: string) => JSON.stringify(text);
const nginxSpec = (v: { stable: string; canary: string; address: string; parameters: string; environment: string }) => `version: 1
environment: ${yamlString(v.environment)}
traffic:
  provider: nginx
  file: /tmp/upstream.conf
  stable: ${yamlString(v.stable)}
  canary: ${yamlString(v.canary)}
  parameters: ${yamlString(v.parameters)}
  servers:
    stable: ["127.0.0.1:18081"]
    canary: [${yamlString(v.address)}]
stages:
  - weight: 100
`;

describe('no spec string escapes its slot', () => {
  it('NGINX: an accepted spec renders only comment lines and one server line per listed address', () => {
    let accepted = 0;
    fc.assert(
      fc.property(
        fc.record({
          stable: fc.oneof(hostile, fc.constant('v1')),
          canary: fc.oneof(hostile, fc.constant('v2')),
          address: fc.oneof(hostile, fc.constant('127.0.0.1:18082')),
          parameters: fc.oneof(hostile, fc.constant('max_fails=3 fail_timeout=10s')),
          environment: fc.oneof(hostile, fc.constant('production')),
        }),
        fc.integer({ min: 0, max: 100 }),
        (values, weight) => {
          const result = parseSpec(nginxSpec(values), 'rollout.yml');
          if (!result.ok) return;
          accepted++;
          const spec = result.spec.traffic as NginxSpec;
          const text = renderUpstream(spec, weight, new Map());
          const lines = text.split('\n').filter(Boolean);
          const addresses = [...spec.servers.stable, ...spec.servers.canary];
          const serverLines = lines.filter((l) => !l.startsWith('#'));
          expect(serverLines).toHaveLength(addresses.length);
          serverLines.forEach((line, i) => {
            expect(line).toMatch(
              /^server \S+( weight=\d+)?( max_fails=\d+| fail_timeout=\d+[a-z]*| max_conns=\d+| slow_start=\d+[a-z]*| resolve)*( down)?; # rollgate: (stable|canary) ready$/,
            );
            expect(line.startsWith(`server ${addresses[i]!} `) || line.startsWith(`server ${addresses[i]!};`)).toBe(true);
          });
          // Read back, the file holds exactly the split it was rendered for.
          if (weight > 0 && weight < 100) expect(canaryShare(parseUpstream(spec, text))).toBe(weight);
        },
      ),
      SETTINGS,
    );
    expect(accepted).toBeGreaterThan(10);
  });

  it('HAProxy: a command names one backend/server pair, or is refused', () => {
    fc.assert(
      fc.property(hostile, hostile, fc.constantFrom('ready', 'drain', 'maint'), (backend, server, state) => {
        let command: string;
        try {
          command = serverCommand(backend, server, { state: state as 'ready' });
        } catch {
          return;
        }
        expect(command).toBe(`set server ${backend}/${server} state ${state}`);
        expect(command).toMatch(/^set server [A-Za-z0-9._:-]+\/[A-Za-z0-9._:-]+ state (ready|drain|maint)$/);
      }),
      SETTINGS,
    );
  });

  it('PromQL: values stay inside their string literals and read back unchanged, or are refused', () => {
    const template =
      'sum(rate(http_requests_total{env="{{environment}}",version=\'{{canary}}\',job=`{{stable}}`}[{{interval}}])) > {{weight}}';
    fc.assert(
      fc.property(hostile, hostile, hostile, (environment, canary, stable) => {
        let query: string;
        try {
          query = renderTemplate(
            template,
            { environment, canary, stable, baseline: stable, weight: 10, stage: 1, interval: '30s' },
            'promql',
          );
        } catch (error) {
          expect(error).toBeInstanceOf(TemplateValueError);
          return;
        }
        const { skeleton, strings } = lexPromql(query);
        expect(skeleton).toBe('sum(rate(http_requests_total{env=S,version=S,job=S}[30s])) > 10');
        expect(strings).toEqual([environment, canary, stable]);
      }),
      SETTINGS,
    );
  });

  it('paths: the state and report of any accepted environment stay in .rollgate/', () => {
    const cwd = resolve('/work/repo');
    fc.assert(
      fc.property(hostile, fc.constantFrom('.json', '-report.md') as fc.Arbitrary<'.json' | '-report.md'>, (environment, suffix) => {
        let path: string;
        try {
          path = rollgateFile(cwd, environment, suffix);
        } catch {
          return;
        }
        expect(path.startsWith(`${cwd}${sep}.rollgate${sep}`)).toBe(true);
        expect(path.slice(`${cwd}${sep}.rollgate${sep}`.length)).toBe(`${environment}${suffix}`);
      }),
      SETTINGS,
    );
  });

  it('API paths: a name an Unleash, LaunchDarkly or Cloud Run spec accepts is one literal path segment', () => {
    const specs: Record<string, (name: string) => string> = {
      unleash: (name) =>
        `url: https://u.example.com\n  project: ${yamlString(name)}\n  flag: ${yamlString(name)}\n  environment: ${yamlString(name)}`,
      launchdarkly: (name) => `project: ${yamlString(name)}\n  flag: ${yamlString(name)}\n  environment: ${yamlString(name)}`,
      'cloud-run': (name) =>
        `project: my-project-123\n  region: europe-west1\n  service: ${yamlString(name)}\n  stable: ${yamlString(name)}-a\n  canary: ${yamlString(name)}-b`,
    };
    let accepted = 0;
    fc.assert(
      fc.property(fc.constantFrom(...Object.keys(specs)), fc.oneof(hostile, fc.constant('web')), (provider, name) => {
        const result = parseSpec(`version: 1\ntraffic:\n  provider: ${provider}\n  ${specs[provider]!(name)}\nstages: [{ weight: 100 }]\n`);
        if (!result.ok) return;
        accepted++;
        // As a path segment it needs no encoding, and it is no dot segment a URL parser would fold away.
        expect(encodeURIComponent(name)).toBe(name);
        expect(new URL(`https://api.example/a/${name}/b`).pathname).toBe(`/a/${name}/b`);
      }),
      SETTINGS,
    );
    expect(accepted).toBeGreaterThan(10);
  });
});

/** A reference reading of PromQL string literals (Go escapes in "…" and '…', none in `…`). */
function lexPromql(query: string): { skeleton: string; strings: string[] } {
  let skeleton = '';
  const strings: string[] = [];
  for (let i = 0; i < query.length; i++) {
    const c = query[i]!;
    if (!`"'\``.includes(c)) {
      skeleton += c;
      continue;
    }
    let value = '';
    let j = i + 1;
    for (; j < query.length && query[j] !== c; j++) {
      if (query[j] === '\\' && c !== '`') {
        const next = query[++j]!;
        value += { n: '\n', t: '\t', r: '\r' }[next] ?? next;
      } else value += query[j];
    }
    if (j >= query.length) return { skeleton: `${skeleton}<unterminated>`, strings };
    strings.push(value);
    skeleton += 'S';
    i = j;
  }
  return { skeleton, strings };
}
