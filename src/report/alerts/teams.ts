// Alert channel `teams`: a Microsoft Teams Workflows webhook ("Post to a channel when a webhook request
// is received") with an Adaptive Card (1.4) in a message attachment — not the retired Office 365
// connector MessageCard. Card text is Markdown to Teams: data is escaped so it stays text.
import { z } from 'zod';
import { clip, webLink, type Alert, type AlertChannel } from './alert.js';

export const teamsFields = { channel: z.literal('teams') };

const COLOR: Record<Alert['event'], 'Default' | 'Good' | 'Warning' | 'Attention' | 'Accent'> = {
  started: 'Accent',
  'stage-promoted': 'Accent',
  paused: 'Warning',
  'rolled-back': 'Attention',
  promoted: 'Good',
  failed: 'Attention',
  drift: 'Warning',
};

/** Adaptive Card TextBlocks render a Markdown subset (emphasis, lists, [links](…)) and link bare URLs:
 * a zero-width space after each markup character and inside `://` keeps data from forming any of it,
 * and the text reads the same. */
const text = (value: string) =>
  value
    .replace(/([*_~`[\]])/g, '$1\u200b')
    .replace(/^(\s*)([-+]|\d+\.)(\s)/gm, '$1$2\u200b$3')
    .replace(/:\/\//g, ':\u200b//')
    .replace(/\bwww\./gi, (w) => `${w.slice(0, 3)}\u200b.`);

export function teamsCard(alert: Alert) {
  const e = alert.evidence;
  const facts = [
    { title: 'Environment', value: text(clip(alert.environment, 200)) },
    { title: 'Versions', value: text(clip(`${alert.stable} → ${alert.canary}`, 400)) },
    { title: 'Stage', value: `${alert.stage}/${alert.stages} · ${alert.weight}% to the canary` },
    { title: 'State', value: text(`${alert.status} (${alert.strategy})`) },
    ...(e?.gate ? [{ title: 'Failed gate', value: text(e.gate) }] : []),
    ...(e?.measured ? [{ title: 'Measured', value: text(`${e.measured}${e.threshold ? ` (expected ${e.threshold})` : ''}`) }] : []),
    ...(e?.canary || e?.baseline
      ? [{ title: 'Canary vs baseline', value: text(`${e.canary ?? 'no data'} vs ${e.baseline ?? 'no data'}`) }]
      : []),
  ];
  const body: Array<Record<string, unknown>> = [
    { type: 'TextBlock', text: text(clip(alert.headline, 300)), weight: 'Bolder', size: 'Medium', color: COLOR[alert.event], wrap: true },
    { type: 'FactSet', facts },
  ];
  if (alert.reason) body.push({ type: 'TextBlock', text: text(clip(alert.reason, 2000)), wrap: true });
  if (e?.summary && e.summary !== alert.reason)
    body.push({ type: 'TextBlock', text: text(clip(e.summary, 2000)), wrap: true, isSubtle: true });
  if (e?.query) body.push({ type: 'TextBlock', text: text(clip(e.query, 1000)), wrap: true, fontType: 'Monospace', size: 'Small' });
  const actions = (
    [
      ['Workflow run', alert.links.run],
      ['Pull request', alert.links.pullRequest],
      ['Deployment', alert.links.deployment],
      ['Metric source', e?.link],
    ] as const
  )
    .filter(([, url]) => webLink(url))
    .map(([title, url]) => ({ type: 'Action.OpenUrl', title, url }));
  return {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    body,
    ...(actions.length ? { actions } : {}),
  };
}

export function teamsPayload(alert: Alert) {
  return {
    type: 'message',
    attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: teamsCard(alert) }],
  };
}

export const teamsChannel = (): AlertChannel => ({
  label: 'Teams',
  request: (alert) => ({ body: JSON.stringify(teamsPayload(alert)) }),
});
