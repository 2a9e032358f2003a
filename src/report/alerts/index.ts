// Alerts where the team is (`notify.alerts`): the channels by the spec's `channel:` name, and the
// reporter that sends them. Adding a channel: a file in this folder and a line here.
// Sending never blocks nor fails a rollout: report() only queues; each channel sends in order in the
// background with a deadline per attempt and a few retries; a failure is a warning; flush() waits a
// bounded time at the end of the run.
import { z } from 'zod';
import type { Plan } from '../../engine/plan.js';
import type { RolloutState } from '../../engine/types.js';
import type { Logger, Reporter } from '../../ports.js';
import { envVarName } from '../../util/credentials.js';
import { redactJson } from '../../util/secrets.js';
import { ALERT_EVENTS, alertEventOf, buildAlert, type Alert, type AlertChannel, type AlertLinks } from './alert.js';
import { slackChannel, slackFields } from './slack.js';
import { teamsChannel, teamsFields } from './teams.js';
import { webhookChannel, webhookFields } from './webhook.js';

const common = {
  urlEnv: envVarName.describe('Environment variable holding the webhook URL (a secret: it is masked, never logged).'),
  events: z
    .array(z.enum(ALERT_EVENTS))
    .min(1)
    .default([...ALERT_EVENTS])
    .describe(`Events to send (default all): ${ALERT_EVENTS.join(', ')}.`),
};

export const alertSchema = z.discriminatedUnion('channel', [
  z.strictObject({ ...slackFields, ...common }),
  z.strictObject({ ...teamsFields, ...common }),
  z.strictObject({ ...webhookFields, ...common }),
]);
export type AlertSpec = z.output<typeof alertSchema>;

export interface AlertOptions {
  env: Record<string, string | undefined>;
  log: Logger;
  /** Where the buttons point; read when an alert is built (the PR and deployment are known late). */
  links?: () => AlertLinks;
  /** Deadline of one attempt, and attempts per alert. */
  timeoutMs?: number;
  attempts?: number;
  fetch?: typeof fetch;
}

interface Target {
  spec: AlertSpec;
  channel: AlertChannel;
  url: string;
  queue: Promise<void>;
}

export class AlertReporter implements Reporter {
  private readonly targets: Target[];
  private sequence = 0;

  /** Validates every channel's variables up front (before any traffic moves) and masks them. */
  constructor(
    specs: AlertSpec[],
    private readonly options: AlertOptions,
  ) {
    this.targets = specs.map((spec, i) => {
      const where = `notify.alerts[${i}] (${spec.channel})`;
      const url = options.env[spec.urlEnv];
      if (!url) throw new Error(`${where}: environment variable ${spec.urlEnv} is not set`);
      options.log.mask(url);
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw new Error(`${where}: ${spec.urlEnv} is not a URL`);
      }
      const loopback = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(parsed.hostname);
      if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && loopback))
        throw new Error(`${where}: ${spec.urlEnv} must be an https:// URL`);
      let secret: string | undefined;
      if (spec.channel === 'webhook' && spec.secretEnv) {
        secret = options.env[spec.secretEnv];
        if (!secret) throw new Error(`${where}: environment variable ${spec.secretEnv} is not set`);
        options.log.mask(secret);
      }
      const channel = spec.channel === 'slack' ? slackChannel() : spec.channel === 'teams' ? teamsChannel() : webhookChannel(secret);
      return { spec, channel, url, queue: Promise.resolve() };
    });
  }

  async report(kind: string, state: RolloutState, plan: Plan): Promise<void> {
    const event = alertEventOf(kind, state);
    if (!event) return;
    // Reasons, summaries and queries come from metric sources and services: no secret leaves in an alert.
    const alert = JSON.parse(redactJson(buildAlert(event, plan, state, this.options.links?.() ?? {}, ++this.sequence))) as Alert;
    for (const target of this.targets) {
      if (!target.spec.events.includes(event)) continue;
      const request = target.channel.request(alert);
      target.queue = target.queue.then(() => this.send(target, request, event));
    }
  }

  /** Waits for queued alerts, at most `ms`; what is still unsent then is given up with a warning. */
  async flush(ms = 15_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)));
    const done = await Promise.race([Promise.all(this.targets.map((t) => t.queue)).then(() => 'done' as const), late]);
    clearTimeout(timer);
    if (done === 'late') this.options.log.warn(`alerts: gave up on alerts still unsent after ${ms / 1000}s`);
  }

  private async send(target: Target, request: { body: string; headers?: Record<string, string> }, event: string): Promise<void> {
    const attempts = this.options.attempts ?? 3;
    const timeoutMs = this.options.timeoutMs ?? 5_000;
    const doFetch = this.options.fetch ?? fetch;
    let problem = '';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const response = await doFetch(target.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'rollgate', ...request.headers },
          body: request.body,
          signal: AbortSignal.timeout(timeoutMs),
        });
        await response.arrayBuffer().catch(() => undefined);
        if (response.ok) return;
        problem = `HTTP ${response.status}`;
        if (response.status < 500 && response.status !== 429) break; // a refusal will not change on retry
        const retryAfter = Number(response.headers.get('retry-after'));
        if (attempt < attempts)
          await sleep(Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter * 1000, 5_000) : 500 * attempt);
      } catch (error) {
        problem = (error as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000}s` : (error as Error).message;
        if (attempt < attempts) await sleep(500 * attempt);
      }
    }
    this.options.log.warn(`alerts: the ${target.channel.label} alert "${event}" was not delivered (${problem}); the rollout goes on`);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
