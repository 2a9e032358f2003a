// The fields of the blue-green and rolling strategies (canary uses `stages`).
import { z } from 'zod';
import { duration, envVars, httpUrl } from './common.js';

/**
 * A server of the fleet as the router knows it: an HAProxy server name or an NGINX server address.
 * It reaches router commands and files, so only their safe characters.
 */
export const SERVER_NAME_PATTERN = /^(?:unix:\/[\w./-]{1,200}|\[[0-9A-Fa-f:.]{2,45}\](?::\d{1,5})?|[A-Za-z0-9._:-]{1,128})$/;
const serverName = z.string().regex(SERVER_NAME_PATTERN, {
  error: 'expected a server name (letters, digits, ".", "_", "-", ":") or an NGINX address (host:port, [v6]:port, unix:/path)',
});

/** A readiness URL: an http(s) URL without credentials once {{target}} and {{address}} are filled in. */
const readinessUrl = z.string().superRefine((text, ctx) => {
  const sample = text.replaceAll('{{target}}', 'web-1').replaceAll('{{address}}', '127.0.0.1:8080');
  const checked = httpUrl.safeParse(sample);
  if (!checked.success) ctx.addIssue({ code: 'custom', message: checked.error.issues[0]!.message });
});

const hookCommand = z.string().min(1);

export const blueGreenSchema = z.strictObject({
  deploy: hookCommand
    .optional()
    .describe('Run by `sh -c` before anything else: deploys the new version to the idle colour (ROLLGATE_CANARY names it).'),
  preSwitchGates: z.array(z.string()).default([]).describe('Gates checked against the preview (idle colour) before the switch.'),
  approval: z.boolean().default(false).describe('A reviewer approves the switch.'),
  rollbackWindow: duration.default('10m').describe('How long post-switch gates run; a failure switches back at once.'),
  postSwitchGates: z.array(z.string()).optional().describe('Gates checked after the switch (default: every gate not in preSwitchGates).'),
  scaleDownDelay: duration.default('0s').describe('How long the old colour is kept ready to switch back to after the window.'),
  retire: hookCommand.optional().describe('Run by `sh -c` after scaleDownDelay: retires the old colour (ROLLGATE_STABLE names it).'),
  env: envVars.optional().describe('Extra environment variables for deploy and retire.'),
  timeout: duration.default('10m').describe('Time limit of deploy and retire.'),
});

export const rollingSchema = z.strictObject({
  targets: z.array(serverName).min(1).max(100).describe('Servers to update, in order (names the router knows, e.g. HAProxy server names).'),
  maxUnavailable: z.int().min(1).default(1).describe('Servers out of rotation at once: the batch size.'),
  maxSurge: z.int().min(0).default(0).describe('Spare servers (listed in `surge`) brought up first, so capacity never drops.'),
  surge: z.array(serverName).max(100).default([]).describe('Spare servers, in maintenance until a batch needs them.'),
  deploy: hookCommand.describe(
    'Run by `sh -c` for each server once it is drained: installs a version on it. Gets ROLLGATE_TARGET, ROLLGATE_TARGET_ADDRESS ' +
      'and ROLLGATE_VERSION ("canary" to update, "stable" to roll back).',
  ),
  drainTimeout: duration.default('30s').describe('Longest wait for in-flight requests to finish before deploying anyway.'),
  readiness: z
    .strictObject({
      url: readinessUrl.describe('Polled until it answers 2xx; {{target}} and {{address}} are replaced.'),
      timeout: duration.default('60s'),
      interval: duration.default('1s'),
    })
    .optional()
    .describe('How to tell a server is ready again (default: the router health check, when it has one).'),
  bake: duration.default('0s').describe('Time each batch runs, measuring the gates, before the next.'),
  gates: z.array(z.string()).optional().describe('Gates checked after each batch (default: all).'),
  env: envVars.optional(),
  timeout: duration.default('10m').describe('Time limit of one deploy command.'),
});

export type BlueGreen = z.output<typeof blueGreenSchema>;
export type Rolling = z.output<typeof rollingSchema>;
