// Issue #16: every value of a spec that reaches a router, a path, a query or a log is refused when
// it could escape its slot, and every value is bounded — each before any side effect, at file:line:col.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatSpecError, loadSpecFile, parseSpec } from '../../../src/config/load.js';

const NGINX = `version: 1
environment: production
traffic:
  provider: nginx
  file: /tmp/rollgate-upstream.conf
  stable: v1
  canary: v2
  servers:
    stable: [127.0.0.1:18081]
    canary: [127.0.0.1:18082]
stages:
  - weight: 10
    bake: 1m
  - weight: 100
gates:
  errors:
    provider: prometheus
    url: http://127.0.0.1:9090
    query: sum(rate(errors{version="{{canary}}"}[1m]))
    threshold: "< 1"
    interval: 30s
`;

/** NGINX with the line that starts with `prefix` replaced by `text`. */
const edit = (prefix: string, text: string, base = NGINX) => {
  const lines = base.split('\n');
  const i = lines.findIndex((l) => l.startsWith(prefix));
  if (i < 0) throw new Error(`no line starts with ${JSON.stringify(prefix)}`);
  lines[i] = text;
  return lines.join('\n');
};
const errorsOf = (yaml: string) => {
  const result = parseSpec(yaml, 'rollout.yml');
  return result.ok ? [] : result.errors.map(formatSpecError);
};

describe('values that reach a router, a path or a query are refused in the spec', () => {
  const cases: Array<[string, string, RegExp]> = [
    // NGINX include injection: a name with a newline would render a live `server` line.
    [
      'canary name with a server line in it',
      edit('  canary:', '  canary: "v2\\nserver 127.0.0.1:18099 weight=1000;\\n#"'),
      /^rollout\.yml:7:11 traffic\.canary: names are letters, digits/,
    ],
    ['stable name with a semicolon', edit('  stable:', '  stable: "v1; }"'), /^rollout\.yml:6:11 traffic\.stable: names are/],
    ['parameters with weight', edit('  file:', '  file: /tmp/u.conf\n  parameters: "weight=50"'), /"weight" is set by rollgate/],
    ['parameters with down', edit('  file:', '  file: /tmp/u.conf\n  parameters: "max_fails=3 down"'), /"down" is set by rollgate/],
    ['parameters with backup', edit('  file:', '  file: /tmp/u.conf\n  parameters: backup'), /"backup" is set by rollgate/],
    [
      'parameters with a new line',
      edit('  file:', '  file: /tmp/u.conf\n  parameters: "max_fails=3\\nserver 10.0.0.9:80"'),
      /is not a valid max_fails/,
    ],
    ['unknown parameter', edit('  file:', '  file: /tmp/u.conf\n  parameters: "route=a"'), /not an allowed server parameter/],
    ['address with a semicolon', edit('    canary: [', '    canary: ["127.0.0.1:18082; server evil:80"]'), /expected host:port/],
    ['address with port 0', edit('    canary: [', '    canary: ["127.0.0.1:0"]'), /expected host:port \(port 1-65535\)/],
    ['address with port 70000', edit('    canary: [', '    canary: ["127.0.0.1:70000"]'), /expected host:port/],
    ['environment that leaves .rollgate/', edit('environment:', 'environment: ../../escaped/evil'), /environment names are letters/],
    ['environment with a quote', edit('environment:', `environment: 'self"}) * 0 #'`), /environment names are letters/],
    ['environment named ..', edit('environment:', 'environment: ".."'), /environment names are letters/],
    [
      'environment object with a slash',
      edit('environment:', 'environment: { name: "a/b", url: "https://x.example" }'),
      /environment\.name: environment names/,
    ],
  ];
  it.each(cases)('%s', (_name, yaml, message) => {
    const errors = errorsOf(yaml);
    expect(errors.length, errors.join('\n')).toBeGreaterThan(0);
    expect(errors.join('\n')).toMatch(message);
  });

  it('accepts what NGINX accepts: names with dots and underscores, [v6]:port, unix:/path, allowed parameters', () => {
    const yaml = edit(
      '    canary: [',
      '    canary: ["[::1]:18082", "unix:/run/app.sock", web_2.internal:8080, localhost]\n  parameters: "max_fails=3 fail_timeout=10s max_conns=100"',
    );
    expect(errorsOf(yaml)).toEqual([]);
  });

  const rolling = (targets: string) => `version: 1
strategy: rolling
traffic:
  provider: haproxy
  socket: /run/haproxy/admin.sock
  backend: web
  stable: web1
  canary: web2
rolling:
  targets: ${targets}
  deploy: ./deploy.sh
`;
  it.each([
    ['a newline', '["web1\\nset server web/web2 weight 100"]'],
    ['a semicolon (HAProxy chains commands with ;)', '["web1; shutdown sessions server web/web2"]'],
    ['a space', '["web 1"]'],
  ])('refuses a rolling target with %s', (_name, targets) => {
    expect(errorsOf(rolling(targets)).join('\n')).toMatch(/rolling\.targets\[0\]: expected a server name/);
  });
  it('accepts HAProxy server names and NGINX addresses as rolling targets', () => {
    expect(errorsOf(rolling('[web1, web-2, "127.0.0.1:8080", "[::1]:80"]'))).toEqual([]);
  });

  it.each([
    ['backend', '  backend: "web\\nshow sess"'],
    ['stable server', '  stable: "web1;disable server web/web2"'],
  ])('HAProxy already refuses a %s that is not an HAProxy name', (_name, line) => {
    const yaml = edit(line.split(':')[0]!, line, rolling('[web1]'));
    expect(errorsOf(yaml).join('\n')).toMatch(/HAProxy names are letters/);
  });
});

describe('credentials never sit in a URL', () => {
  it.each([
    ['url', edit('    url:', '    url: http://user:password@127.0.0.1:9090')],
    ['graphUrl', edit('    url:', '    url: http://127.0.0.1:9090\n    graphUrl: https://admin:s3cret@grafana.example')],
    ['a user name alone', edit('    url:', '    url: http://token@127.0.0.1:9090')],
    ['environment.url', edit('environment:', 'environment: { name: production, url: "https://u:p@shop.example" }')],
  ])('refuses credentials in %s and points to auth', (_name, yaml) => {
    expect(errorsOf(yaml).join('\n')).toMatch(/must not hold credentials \(user:password@\).*use `auth` instead/);
  });
  it('refuses a URL that is not http(s)', () => {
    expect(errorsOf(edit('    url:', '    url: file:///etc/passwd')).join('\n')).toMatch(/expected an http:\/\/ or https:\/\/ URL/);
  });
});

// Cloud routers and flag services put these names into API paths, queries and request bodies.
const ARN = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012';
const PROVIDERS: Record<string, { fields: Record<string, string>; names: string[] }> = {
  'aws-alb': {
    fields: {
      region: 'eu-west-1',
      listener: `${ARN}:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2`,
      stable: `${ARN}:targetgroup/web-v1/73e2d6bc24d8a067`,
      canary: `${ARN}:targetgroup/web-v2/73e2d6bc24d8a068`,
    },
    names: ['listener', 'rule', 'stable', 'canary', 'region'],
  },
  'aws-lambda': {
    fields: { region: 'eu-west-1', function: 'checkout', alias: 'live', canary: '8', stable: '7' },
    names: ['function', 'alias', 'canary', 'stable'],
  },
  'aws-ecs': {
    fields: {
      region: 'eu-west-1',
      cluster: 'shop',
      stable: 'web-v1',
      canary: 'web-v2',
      listener: `${ARN}:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2`,
    },
    names: ['cluster', 'stable', 'canary', 'listener'],
  },
  'cloud-run': {
    fields: { project: 'my-project-123', region: 'europe-west1', service: 'web', stable: 'web-00041-abc', canary: 'web-00042-xyz' },
    names: ['project', 'region', 'service', 'stable', 'canary'],
  },
  unleash: {
    fields: { url: 'https://unleash.example.com', flag: 'new-checkout' },
    names: ['project', 'flag', 'environment', 'groupId', 'variation', 'stable'],
  },
  launchdarkly: {
    fields: { project: 'shop', flag: 'new-checkout' },
    names: ['project', 'flag', 'environment', 'variation', 'stable', 'contextKind', 'bucketBy'],
  },
  flagd: { fields: { file: 'flags.json', flag: 'new-checkout' }, names: ['flag', 'variation', 'stable'] },
};
const HOSTILE_NAMES = ['../admin', 'x?y=1', 'x#y', '%2e%2e', 'v2\nserver', 'x"y', 'x;y', 'x<img>', ''];
const cloudSpec = (provider: string, fields: Record<string, string>) =>
  `version: 1\ntraffic:\n  provider: ${provider}\n${Object.entries(fields)
    .map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`)
    .join('\n')}\nstages: [{ weight: 100 }]\n`;

describe('cloud routers and flag services take only names their API takes as one path segment or key', () => {
  it.each(Object.keys(PROVIDERS))('%s accepts its documented names', (provider) => {
    expect(errorsOf(cloudSpec(provider, PROVIDERS[provider]!.fields))).toEqual([]);
  });

  it.each(Object.entries(PROVIDERS).flatMap(([provider, { names }]) => names.map((name) => [provider, name] as const)))(
    '%s refuses a hostile %s at its place',
    (provider, name) => {
      const { fields } = PROVIDERS[provider]!;
      for (const value of HOSTILE_NAMES) {
        const result = parseSpec(cloudSpec(provider, { ...fields, [name]: value }), 'rollout.yml');
        const line = 4 + Object.keys({ ...fields, [name]: value }).indexOf(name);
        expect(result.ok ? [] : result.errors.map((e) => `${e.line}:${e.column} ${e.path}`), `${name}: ${JSON.stringify(value)}`).toContain(
          `${line}:${name.length + 5} traffic.${name}`,
        );
      }
    },
  );

  it.each([
    ['aws-lambda', 'endpoint', 'https://AKIA:secret@lambda.example.com'],
    ['cloud-run', 'endpoint', 'https://u:p@run.example.com'],
    ['unleash', 'url', 'https://admin:unleash4all@unleash.example.com'],
    ['launchdarkly', 'url', 'https://token@app.launchdarkly.com'],
  ])('%s refuses credentials in %s', (provider, name, url) => {
    const errors = errorsOf(cloudSpec(provider, { ...PROVIDERS[provider]!.fields, [name]: url })).join('\n');
    expect(errors).toMatch(new RegExp(`traffic\\.${name}: must not hold credentials \\(user:password@\\)`));
  });
});

describe('every value is bounded', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['interval 0s', edit('    interval:', '    interval: 0s'), /rollout\.yml:\d+:\d+ gates\.errors\.interval: must be at least 1s/],
    ['interval 500ms', edit('    interval:', '    interval: 500ms'), /gates\.errors\.interval: must be at least 1s/],
    ['bake of 999999h (overflows a timer)', edit('    bake:', '    bake: 999999h'), /stages\[0\]\.bake: must be at most 7d/],
    ['a 400-digit bake (Infinity)', edit('    bake:', `    bake: ${'9'.repeat(400)}s`), /stages\[0\]\.bake: must be at most 7d/],
    ['a threshold of 1e999', edit('    threshold:', '    threshold: "< 1e999"'), /too large a number/],
    ['a weight of .inf', edit('  - weight: 10', '  - weight: .inf'), /stages\[0\]\.weight/],
    [
      '1,000 stages',
      edit('  - weight: 10', Array.from({ length: 1_000 }, () => '  - weight: 10').join('\n')),
      /stages: must be at most 100 \(got a list\)|stages: .*at most 100/,
    ],
  ];
  it.each(cases)('%s', (_name, yaml, message) => {
    expect(errorsOf(yaml).join('\n')).toMatch(message);
  });
  it('accepts the longest documented bake (7d) and a 1s interval', () => {
    expect(errorsOf(edit('    interval:', '    interval: 1s').replace('bake: 1m', 'bake: 7d'))).toEqual([]);
  });

  it('refuses a YAML alias bomb with exit-2 errors, quickly', () => {
    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      ...'bcdefghi'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`),
      'version: 1',
    ].join('\n');
    const started = Date.now();
    const errors = errorsOf(bomb);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(errors.join('\n')).toMatch(/^rollout\.yml:1:1 YAML: too many alias expansions/);
  });
});

describe('the spec file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rollgate-spec-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('must be a regular file: a FIFO is refused at once instead of hanging', async () => {
    const fifo = join(dir, 'rollout.yml');
    execFileSync('mkfifo', [fifo]);
    const result = await loadSpecFile(fifo);
    expect(result.ok).toBe(false);
    expect(result.errors.map(formatSpecError)).toEqual(['rollout.yml:1:1 not a regular file (a FIFO, socket or device)']);
  });
  it('must be a regular file: a directory is refused', async () => {
    const result = await loadSpecFile(dir, 'specs');
    expect(result.errors.map(formatSpecError)).toEqual(['specs:1:1 not a regular file (a directory)']);
  });
  it('reads an absolute path', async () => {
    const path = join(dir, 'abs.yml');
    writeFileSync(path, NGINX);
    expect((await loadSpecFile(path)).ok).toBe(true);
  });
});

describe('misspelt required keys are named', () => {
  it('says kind: http is probably provider: http', () => {
    const yaml = edit('    provider: prometheus', '    kind: prometheus');
    expect(errorsOf(yaml)).toEqual([
      expect.stringMatching(
        /^rollout\.yml:\d+:\d+ gates\.errors\.provider: is required \(one of .*\); found kind: prometheus \(did you mean "provider"\?\)$/,
      ),
    ]);
  });
  it('names a close misspelling of a missing required key', () => {
    const errors = errorsOf(edit('  file:', '  fiel: /tmp/u.conf'));
    expect(errors.join('\n')).toMatch(/traffic\.file: is required \(expected string\); found fiel \(did you mean "file"\?\)/);
  });
});
