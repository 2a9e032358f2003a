// The rollout report as one self-contained HTML file (no script, no fetch): what `rollgate run
// --report report.html` and the demo write for people running Rollgate locally. The same facts and
// charts as the PR comment; every value from a spec, a metric source or a service is escaped.
import { stageSchedule, type Plan } from '../engine/plan.js';
import { formatDuration } from '../config/duration.js';
import type { RolloutState } from '../engine/types.js';
import { rolloutCharts, svgChart } from './chart.js';
import { formatValue, statusLine } from './markdown.js';
import { redact } from '../util/secrets.js';

export interface HtmlSection {
  title: string;
  plan: Plan;
  state: RolloutState;
}

/** Text as HTML text or attribute value; secrets (and URL credentials) redacted first. */
const html = (text: string) =>
  redact(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
/** The Markdown status line without its Markdown: `**Promoted**` → Promoted. */
const plain = (markdown: string) => markdown.replace(/\*\*/g, '');
const time = (at: number) => new Date(at).toISOString().slice(11, 19);
/** Only web links become links; anything else is shown as text. */
const link = (url: string | undefined) => (url && /^https?:\/\//i.test(url) ? `<a href="${html(url)}">${html(url)}</a>` : html(url ?? ''));

export function renderHtmlReport(sections: HtmlSection[], title = 'Rollgate report'): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${html(title)}</title>
<style>
body{font:14px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI",Helvetica,Arial,sans-serif;color:#1f2328;max-width:980px;margin:24px auto;padding:0 16px}
h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #d1d9e0;padding-bottom:4px;margin-top:32px}
table{border-collapse:collapse;margin:12px 0}td,th{border:1px solid #d1d9e0;padding:4px 10px;text-align:left;vertical-align:top}
.status{font-size:16px;font-weight:600}.caution{border-left:4px solid #cf222e;background:#ffebe9;padding:8px 12px;margin:12px 0}
code{background:#eff1f3;padding:1px 4px;border-radius:4px;font-size:12px}svg{width:100%;max-width:640px;display:block;margin:12px 0}
.timeline{font-family:ui-monospace,monospace;font-size:12px}
</style></head><body>
<h1>${html(title)}</h1>
${sections.map(renderSection).join('\n')}
</body></html>
`;
}

function renderSection({ title, plan, state }: HtmlSection): string {
  const parts = [`<section><h2>${html(title)}</h2>`, `<p class="status">${html(plain(statusLine(plan, state, (text) => text)))}</p>`];
  if (state.failure) {
    const e = state.failure.evidence;
    parts.push(
      '<div class="caution">',
      `<strong>${html(state.failure.gate ? `Gate ${state.failure.gate} failed` : 'Rollout stopped')}</strong> — ${html(state.failure.reason)}`,
      '<ul>',
      ...(e?.value !== undefined
        ? [
            `<li>measured <code>${html(formatValue(e.value))}</code>${e.threshold ? ` (expected <code>${html(e.threshold)}</code>)` : ''}</li>`,
          ]
        : []),
      ...(e?.canary !== undefined || e?.baseline !== undefined
        ? [`<li>canary <code>${html(formatValue(e?.canary))}</code> vs baseline <code>${html(formatValue(e?.baseline))}</code></li>`]
        : []),
      ...(e?.query ? [`<li>query <code>${html(e.query)}</code></li>`] : []),
      ...(e?.link ? [`<li>source ${link(e.link)}</li>`] : []),
      '</ul></div>',
    );
  }
  parts.push('<table><tr><th>#</th><th>weight</th><th>bake</th><th>gates</th><th>measurements ok</th></tr>');
  for (const stage of plan.stages) {
    const measured = state.measurements.filter((m) => m.stage === stage.index);
    const ok = measured.filter((m) => m.verdict === 'pass').length;
    const { minimumMs } = stageSchedule(plan, stage);
    parts.push(
      `<tr><td>${stage.index + 1}</td><td>${stage.weight}%</td><td>${minimumMs ? formatDuration(minimumMs) : '—'}${stage.approval ? ' · approval' : ''}</td>` +
        `<td>${html(stage.gates.join(', ') || '—')}</td><td>${measured.length ? `${ok}/${measured.length}` : '—'}</td></tr>`,
    );
  }
  parts.push('</table>');
  parts.push(...rolloutCharts(plan, state).map(svgChart));
  if (state.timeline.length) {
    parts.push(
      '<details><summary>Timeline</summary><div class="timeline">',
      ...state.timeline.map((e) => `<div>${time(e.at)} ${html(e.message)}</div>`),
      '</div></details>',
    );
  }
  parts.push('</section>');
  return parts.join('\n');
}
