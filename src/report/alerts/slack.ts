// Alert channel `slack`: an incoming webhook with Block Kit — a header, the state, the failing gate's
// evidence, buttons to the run, the pull request and the deployment. Within Slack's documented limits
// (header 150 characters, section text 3,000, button text 75); text escaped for mrkdwn (&, <, >), so
// data cannot open a link or a mention (<!channel>, <@U…>), and every mrkdwn object is `verbatim`, so
// Slack does not turn data into links or mentions by itself (@here, #channel, bare URLs).
import { z } from 'zod';
import { clip, webLink, type Alert, type AlertChannel } from './alert.js';

export const slackFields = { channel: z.literal('slack') };

const ICON: Record<Alert['event'], string> = {
  started: '🚀',
  'stage-promoted': '⏩',
  paused: '⏸️',
  'rolled-back': '⏪',
  promoted: '✅',
  failed: '🛑',
  drift: '⚠️',
};

/** Slack mrkdwn: only &, < and > are special (they form links and mentions). */
const mrkdwn = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
/** Inline code in mrkdwn: no backticks inside. */
const code = (text: string) => `\`${mrkdwn(text.replace(/`/g, "'").replace(/\s+/g, ' '))}\``;

export function slackPayload(alert: Alert) {
  const blocks: Array<Record<string, unknown>> = [
    { type: 'header', text: { type: 'plain_text', text: clip(`${ICON[alert.event]} ${alert.headline}`, 150), emoji: true } },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', verbatim: true, text: `*Environment*\n${mrkdwn(clip(alert.environment, 200))}` },
        { type: 'mrkdwn', verbatim: true, text: `*Versions*\n${mrkdwn(clip(`${alert.stable} → ${alert.canary}`, 400))}` },
        { type: 'mrkdwn', verbatim: true, text: `*Stage*\n${alert.stage}/${alert.stages} · ${alert.weight}% to the canary` },
        { type: 'mrkdwn', verbatim: true, text: `*State*\n${mrkdwn(alert.status)} (${mrkdwn(alert.strategy)})` },
      ],
    },
  ];
  if (alert.reason)
    blocks.push({ type: 'section', text: { type: 'mrkdwn', verbatim: true, text: clip(`*Why*\n${mrkdwn(alert.reason)}`, 3000) } });
  const e = alert.evidence;
  if (e) {
    const lines = [
      `*${e.gate ? `Gate ${code(e.gate)} failed` : 'Evidence'}*: ${mrkdwn(e.summary)}`,
      ...(e.measured ? [`measured ${code(e.measured)}${e.threshold ? ` (expected ${code(e.threshold)})` : ''}`] : []),
      ...(e.canary || e.baseline ? [`canary ${code(e.canary ?? 'no data')} vs baseline ${code(e.baseline ?? 'no data')}`] : []),
      ...(e.query ? [`query ${code(clip(e.query, 1000))}`] : []),
      ...(webLink(e.link) ? [`<${webLink(e.link)}|source>`] : []),
    ];
    blocks.push({ type: 'section', text: { type: 'mrkdwn', verbatim: true, text: clip(lines.join('\n'), 3000) } });
  }
  const buttons = (
    [
      ['Workflow run', alert.links.run],
      ['Pull request', alert.links.pullRequest],
      ['Deployment', alert.links.deployment],
    ] as const
  )
    .filter(([, url]) => webLink(url) && url!.length <= 3000)
    .map(([text, url], i) => ({
      type: 'button',
      text: { type: 'plain_text', text },
      url,
      action_id: `rollgate-${i}`,
      ...(i === 0 && (alert.event === 'rolled-back' || alert.event === 'failed') ? { style: 'danger' } : {}),
    }));
  if (buttons.length) blocks.push({ type: 'actions', elements: buttons });
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', verbatim: true, text: `Rollgate · ${mrkdwn(clip(alert.id, 200))}` }] });
  // `text` is the notification and the fallback where blocks are not shown.
  return { text: clip(`${ICON[alert.event]} ${mrkdwn(alert.headline)}`, 3000), blocks };
}

export const slackChannel = (): AlertChannel => ({
  label: 'Slack',
  request: (alert) => ({ body: JSON.stringify(slackPayload(alert)) }),
});
