// Alerts where the team is: a real local receiver gets what Rollgate sends for a rollout rolled back
// by a failing gate, and each payload passes its channel's own validator — Slack's Block Kit types
// (@slack/types, checked by the TypeScript compiler), the Adaptive Cards parser (adaptivecards), the
// webhook body's published JSON Schema (ajv) and its HMAC-SHA256 signature. Sending never blocks a rollout.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AlertReporter, type AlertSpec } from '../../../src/report/alerts/index.js';
import { alertWebhookJsonSchemaText } from '../../../src/config/json-schema.js';
import type { Logger } from '../../../src/ports.js';
import { drive } from '../../../src/driver/driver.js';
import { planFrom, quietLog, world } from '../../harness/sim.js';
import { forgetSecrets, registerSecret } from '../../../src/util/secrets.js';

const require = createRequire(import.meta.url);
const AC = require('adaptivecards/dist/adaptivecards.js') as typeof import('adaptivecards');
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const SECRET = 'whsec-0123456789abcdef';
const HOSTILE = '<!channel> <@U024BE7LH> [click](https://evil.example) **bold** <img src=x onerror=alert(1)>';
/** The failing gate's summary in the next runWith(); HOSTILE when unset. */
let failingSummary: string | undefined;

interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  raw: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

let server: Server;
let base: string;
const received: Received[] = [];
/** How the receiver answers the next requests: a status, or hold them until released. */
let answer: { status: number; hold?: Promise<void> }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      received.push({ path: req.url!, headers: req.headers, raw, json: JSON.parse(raw) });
      const next = answer.shift() ?? { status: 200 };
      await next.hold;
      res.writeHead(next.status).end(next.status === 200 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  received.length = 0;
  answer = [];
});

const SPEC = `
version: 1
traffic: { provider: command, command: "true" }
stages:
  - { weight: 10, bake: 2m }
  - { weight: 50, bake: 2m }
gates:
  error-rate: { provider: command, command: "true", threshold: "< 0.01", interval: 1m }
`;

function logger() {
  const warnings: string[] = [];
  const masked: string[] = [];
  const log: Logger = { info() {}, debug() {}, warn: (m) => warnings.push(m), mask: (s) => masked.push(s) };
  return { log, warnings, masked };
}

const ENV = { SLACK_URL: '', TEAMS_URL: '', HOOK_URL: '', HOOK_SECRET: SECRET };
const CHANNELS: AlertSpec[] = [
  { channel: 'slack', urlEnv: 'SLACK_URL', events: ['started', 'stage-promoted', 'paused', 'rolled-back', 'promoted', 'failed', 'drift'] },
  { channel: 'teams', urlEnv: 'TEAMS_URL', events: ['started', 'stage-promoted', 'paused', 'rolled-back', 'promoted', 'failed', 'drift'] },
  {
    channel: 'webhook',
    urlEnv: 'HOOK_URL',
    secretEnv: 'HOOK_SECRET',
    events: ['started', 'stage-promoted', 'paused', 'rolled-back', 'promoted', 'failed', 'drift'],
  },
];

/** Type-checks Slack payloads against @slack/types with the TypeScript compiler; returns its errors. */
function slackTypeErrors(payloads: unknown[]): string[] {
  const file = join(ROOT, 'test', '__slack-payload-check.ts');
  const code = `import type { KnownBlock } from '@slack/types';\nexport const payloads: Array<{ text: string; blocks: KnownBlock[] }> = ${JSON.stringify(payloads)};\n`;
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, language, ...rest) =>
    name === file ? ts.createSourceFile(name, code, language) : getSourceFile.call(host, name, language, ...rest);
  host.fileExists = (name) => name === file || fileExists.call(host, name);
  host.readFile = (name) => (name === file ? code : readFile.call(host, name));
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

function adaptiveCardProblems(card: unknown): string[] {
  const context = new AC.SerializationContext();
  const parsed = new AC.AdaptiveCard();
  parsed.parse(card as never, context);
  const problems = Array.from({ length: context.eventCount }, (_, i) => context.getEventAt(i).message);
  return [...problems, ...parsed.validateProperties().validationEvents.map((e) => e.message)];
}

describe('alerts', () => {
  it('sends each event to Slack, Teams and the webhook; every payload passes its validator; the rollback carries the evidence', async () => {
    const { result, alerts, masked } = await runWith(CHANNELS);
    expect(result.outcome).toBe('rolled-back');
    await alerts.flush(10_000);
    expect(masked).toEqual(expect.arrayContaining([`${base}/slack`, `${base}/teams`, `${base}/hook`, SECRET]));

    const byPath = (path: string) => received.filter((r) => r.path === path);
    const events = byPath('/hook').map((r) => r.json.event);
    expect(events).toEqual(['started', 'stage-promoted', 'rolled-back']);
    expect(byPath('/slack')).toHaveLength(3);
    expect(byPath('/teams')).toHaveLength(3);

    // Slack: Block Kit as @slack/types defines it — and the check can fail (a header in mrkdwn).
    const slack = byPath('/slack').map((r) => r.json);
    expect(slackTypeErrors(slack)).toEqual([]);
    expect(slackTypeErrors([{ text: 'x', blocks: [{ type: 'header', text: { type: 'mrkdwn', text: 'x' } }] }]).length).toBeGreaterThan(0);
    const rollbackSlack = JSON.stringify(slack[2]);
    expect(rollbackSlack).toContain('error-rate');
    expect(rollbackSlack).toContain('0.04');
    expect(rollbackSlack).toContain('https://github.com/octo/app/actions/runs/7');
    expect(rollbackSlack).not.toMatch(/<!channel>|<@U024BE7LH>|<img/); // data cannot mention or link
    expect(rollbackSlack).toContain('&lt;!channel&gt;');

    // Teams: a Workflows message with an Adaptive Card the official parser reads without a complaint.
    for (const { json } of byPath('/teams')) {
      expect(json.type).toBe('message');
      expect(json.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
      expect(adaptiveCardProblems(json.attachments[0].content)).toEqual([]);
    }
    expect(adaptiveCardProblems({ type: 'AdaptiveCard', version: '1.4', body: [{ type: 'Nonsense' }] }).length).toBeGreaterThan(0);
    const teamsRollback = JSON.stringify(byPath('/teams')[2]!.json);
    expect(teamsRollback).toContain('0.04');
    expect(teamsRollback).not.toContain('[click](https://evil.example)');

    // Webhook: the committed JSON Schema holds every body; the signature is HMAC-SHA256 of the raw body.
    const schema = JSON.parse(readFileSync(join(ROOT, 'schema/alert-webhook.schema.json'), 'utf8'));
    const validate = new Ajv2020({ strict: false, validateFormats: false }).compile(schema);
    for (const r of byPath('/hook')) {
      expect(validate(r.json), JSON.stringify(validate.errors)).toBe(true);
      expect(r.headers['x-rollgate-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(r.raw).digest('hex')}`);
      expect(r.headers['x-rollgate-event']).toBe(r.json.event);
    }
    const rollback = byPath('/hook')[2]!.json;
    expect(rollback).toMatchObject({
      event: 'rolled-back',
      stage: { number: 2, of: 3, weight: 0 }, // the 100 % stage is added after 50 %
      evidence: { gate: 'error-rate', measured: '0.04', threshold: '< 0.01', query: 'sum(rate(x[1m]))' },
      links: { run: 'https://github.com/octo/app/actions/runs/7', pullRequest: 'https://github.com/octo/app/pull/41' },
    });
    expect(validate({ ...rollback, event: 'exploded' })).toBe(false);
  }, 120_000); // the TypeScript compiler takes seconds on a busy machine

  it('keeps secrets and URL credentials out of every channel; Slack and Teams turn no data into a link or mention', async () => {
    registerSecret('tok-0123456789');
    failingSummary =
      'query failed at https://admin:hunter22@prom.example.com/api with token tok-0123456789 @here #general www.evil.example';
    try {
      const { alerts } = await runWith(CHANNELS);
      await alerts.flush(10_000);
    } finally {
      forgetSecrets();
      failingSummary = undefined;
    }
    expect(received.map((r) => r.path).sort()).toEqual([
      '/hook',
      '/hook',
      '/hook',
      '/slack',
      '/slack',
      '/slack',
      '/teams',
      '/teams',
      '/teams',
    ]);
    for (const r of received) {
      expect(r.raw).not.toContain('tok-0123456789');
      expect(r.raw).not.toContain('hunter22');
    }
    const rollback = (path: string) => received.filter((r) => r.path === path)[2]!;
    expect(rollback('/hook').json.reason).toContain('https://***@prom.example.com/api with token ***');
    // Slack: every mrkdwn object is verbatim (no automatic links, channel names or @here).
    const mrkdwn: Array<Record<string, unknown>> = [];
    JSON.stringify(rollback('/slack').json, (_key, value: unknown) => {
      if (value && typeof value === 'object' && (value as { type?: string }).type === 'mrkdwn')
        mrkdwn.push(value as Record<string, unknown>);
      return value;
    });
    expect(mrkdwn.length).toBeGreaterThan(3);
    expect(mrkdwn.every((text) => text.verbatim === true)).toBe(true);
    expect(slackTypeErrors([rollback('/slack').json])).toEqual([]);
    // Teams: a bare URL in data does not read as one.
    const card = JSON.stringify(rollback('/teams').json);
    expect(card).toContain('https:\u200b//');
    expect(card).not.toMatch(/https:\/\/\*\*\*@prom/);
    expect(adaptiveCardProblems(rollback('/teams').json.attachments[0].content)).toEqual([]);
  }, 120_000);

  it('sends only the events a channel subscribes to', async () => {
    const { alerts } = await runWith([{ channel: 'webhook', urlEnv: 'HOOK_URL', events: ['rolled-back'] }]);
    await alerts.flush(10_000);
    expect(received.map((r) => r.json.event)).toEqual(['rolled-back']);
    expect(received[0]!.headers['x-rollgate-signature']).toBeUndefined(); // no secret, no signature
  });

  it('never holds up the rollout: a receiver that hangs does not delay it, and flush gives up in bounded time with a warning', async () => {
    let release!: () => void;
    const hold = new Promise<void>((resolve) => (release = resolve));
    answer = [
      { status: 200, hold },
      { status: 200, hold },
      { status: 200, hold },
    ];
    const { result, alerts, warnings } = await runWith([{ channel: 'webhook', urlEnv: 'HOOK_URL', events: ['started', 'rolled-back'] }], {
      timeoutMs: 200,
      attempts: 1,
    });
    // The rollout finished (rolled back) while the receiver still held the first alert.
    expect(result.outcome).toBe('rolled-back');
    await alerts.flush(5_000);
    release();
    expect(warnings.some((w) => /webhook alert "started" was not delivered \(no answer within 0.2s\)/.test(w))).toBe(true);
    expect(warnings.join('\n')).not.toContain(base); // the URL is a secret
  });

  it('retries a 500 and a 429, gives up on a 403 at once, and says so', async () => {
    answer = [{ status: 500 }, { status: 429 }, { status: 200 }];
    const first = await runWith([{ channel: 'slack', urlEnv: 'SLACK_URL', events: ['started'] }]);
    await first.alerts.flush(10_000);
    expect(received).toHaveLength(3);
    expect(first.warnings).toEqual([]);

    received.length = 0;
    answer = [{ status: 403 }];
    const second = await runWith([{ channel: 'slack', urlEnv: 'SLACK_URL', events: ['started'] }]);
    await second.alerts.flush(10_000);
    expect(received).toHaveLength(1);
    expect(second.warnings).toEqual(['alerts: the Slack alert "started" was not delivered (HTTP 403); the rollout goes on']);
  });

  it('sends a drift alert naming both weights when someone else resets the router, then the pause', async () => {
    const { log } = logger();
    const alerts = new AlertReporter([{ channel: 'webhook', urlEnv: 'HOOK_URL', events: ['drift', 'paused'] }], {
      env: { HOOK_URL: `${base}/hook` },
      log,
    });
    const w = world(planFrom(SPEC));
    const measure = w.gates['error-rate']!.measure.bind(w.gates['error-rate']);
    w.gates['error-rate']!.measure = async (context) => {
      if (context.weight === 50) w.router.weight = 0; // a reload put the old config back
      return measure(context);
    };
    const result = await drive(
      { router: w.router, gates: w.gates, store: w.store, reporters: [alerts], clock: w.clock, log: quietLog },
      { plan: planFrom(SPEC), id: 'drift' },
    );
    expect(result.outcome).toBe('paused');
    await alerts.flush(10_000);
    expect(received.map((r) => r.json.event)).toEqual(['drift', 'paused']);
    expect(received[0]!.json).toMatchObject({
      event: 'drift',
      stage: { number: 2, weight: 0 },
      reason: 'drift: the router sends 0% to canary, but this rollout set 50% (changed outside Rollgate)',
    });
  });

  it('refuses, before anything moves, a channel whose variable is unset or not https', () => {
    const { log } = logger();
    expect(() => new AlertReporter([{ channel: 'slack', urlEnv: 'NOPE', events: ['started'] }], { env: {}, log })).toThrow(
      'notify.alerts[0] (slack): environment variable NOPE is not set',
    );
    expect(
      () => new AlertReporter([{ channel: 'teams', urlEnv: 'U', events: ['started'] }], { env: { U: 'http://hooks.example.com/x' }, log }),
    ).toThrow('notify.alerts[0] (teams): U must be an https:// URL');
  });

  it('schema/alert-webhook.schema.json is what the zod schema generates (run `npm run schema`)', () => {
    expect(readFileSync(join(ROOT, 'schema/alert-webhook.schema.json'), 'utf8')).toBe(alertWebhookJsonSchemaText());
  });
});

/** Runs a rollout whose gate fails at 50 % with a hostile evidence text, reported through the alerts. */
async function runWith(channels: AlertSpec[], options: Partial<ConstructorParameters<typeof AlertReporter>[1]> = {}) {
  const env = { ...ENV, SLACK_URL: `${base}/slack`, TEAMS_URL: `${base}/teams`, HOOK_URL: `${base}/hook` };
  const { log, warnings, masked } = logger();
  const alerts = new AlertReporter(channels, {
    env,
    log,
    links: () => ({ run: 'https://github.com/octo/app/actions/runs/7', pullRequest: 'https://github.com/octo/app/pull/41' }),
    ...options,
  });
  const w = world(planFrom(SPEC));
  w.gates['error-rate']!.measure = async (context) =>
    context.weight >= 50
      ? {
          verdict: 'fail',
          evidence: {
            summary: failingSummary ?? `0.04 breaks < 0.01 ${HOSTILE}`,
            value: 0.04,
            threshold: '< 0.01',
            query: 'sum(rate(x[1m]))',
          },
        }
      : { verdict: 'pass', evidence: { summary: '0.001 meets < 0.01', value: 0.001, threshold: '< 0.01' } };
  const result = await drive(
    { router: w.router, gates: w.gates, store: w.store, reporters: [alerts], clock: w.clock, log: quietLog },
    { plan: planFrom(SPEC), id: 'alerts' },
  );
  return { result, alerts, warnings, masked };
}
