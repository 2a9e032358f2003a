// What people look at, rendered as GitHub shows it: a rolled-back rollout's PR comment (also the job
// summary: the same Markdown) through GitHub-flavoured Markdown, GitHub's CSS and Mermaid in headless
// Chromium; every diagram must parse and draw, on a time axis, with the threshold and the rollback.
// The self-contained HTML report must draw its charts with no request leaving the page.
// Screenshots go to test-artifacts/render/ (CI keeps them).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderMarkdownReport } from '../../../src/report/markdown.js';
import { renderHtmlReport } from '../../../src/report/html.js';
import { launchChromium, renderGithubMarkdown, renderHtml } from '../../harness/github-render.js';
import { planFrom, world } from '../../harness/sim.js';

const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'render');

const SPEC = `
version: 1
traffic: { provider: command, command: "true" }
stages:
  - { weight: 5, bake: 10m }
  - { weight: 25, bake: 10m }
  - { weight: 50, bake: 10m }
gates:
  error-rate: { provider: command, command: "true", threshold: "< 0.01", interval: 1m }
  p50-latency: { provider: command, command: "true", threshold: "< 250", interval: 1m }
`;

/** A canary whose error rate climbs at 25 %: rolled back in stage 2 with the evidence. */
async function rolledBack() {
  const plan = planFrom(SPEC);
  const w = world(plan);
  let n = 0;
  w.gates['error-rate']!.measure = async (context) => {
    n += 1;
    const value = context.weight >= 25 && n > 12 ? 0.004 + (n - 12) * 0.004 : 0.002 + (n % 3) * 0.001;
    return {
      verdict: value < 0.01 ? 'pass' : 'fail',
      evidence: { summary: `${value} vs < 0.01`, value, threshold: '< 0.01', query: 'sum(rate(errors[1m])) / sum(rate(requests[1m]))' },
    };
  };
  w.gates['p50-latency']!.measure = async () => ({
    verdict: 'pass',
    evidence: { summary: 'ok', value: 120 + (n % 4) * 7, threshold: '< 250' },
  });
  const result = await w.run();
  expect(result.outcome).toBe('rolled-back');
  return result;
}

describe('reports rendered as people see them (Chromium)', () => {
  let browser: Browser;
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('the rollback comment: every Mermaid chart parses and draws on a minutes axis, threshold and rollback drawn', async () => {
    const { plan, state } = await rolledBack();
    const markdown = renderMarkdownReport(plan, state, { links: { run: 'https://github.com/octo/app/actions/runs/1' } });
    const diagrams = await renderGithubMarkdown(browser, markdown, join(ARTIFACTS, 'rollback-comment.png'));

    expect(diagrams.map((d) => d.error)).toEqual(diagrams.map(() => undefined));
    expect(diagrams.length).toBe(3); // the weight, error-rate, p50-latency
    for (const d of diagrams) {
      expect(d.width).toBeGreaterThan(300);
      expect(d.height).toBeGreaterThan(150);
      expect(d.text).toContain('minutes since start');
      // A time axis: numeric bounds, evenly spaced samples, no repeated category labels.
      expect(d.source).toMatch(/x-axis "minutes since start" [\d.]+ --> [\d.]+/);
    }
    const errorChart = diagrams.find((d) => d.source.includes('error-rate'))!;
    const lines = errorChart.source.split('\n');
    expect(lines.filter((l) => l.trim().startsWith('line [')).length).toBe(2); // the metric and its threshold
    expect(lines.find((l) => l.trim().startsWith('line [') && /^\s*line \[(0\.01, )+0\.01\]$/.test(l))).toBeDefined();
    expect(lines.some((l) => l.trim().startsWith('bar ['))).toBe(true); // the rollback mark
  }, 120_000);

  it('the job summary of a promoted rollout draws too', async () => {
    const plan = planFrom(SPEC);
    const w = world(plan);
    const result = await w.run();
    expect(result.outcome).toBe('promoted');
    const diagrams = await renderGithubMarkdown(
      browser,
      renderMarkdownReport(result.plan, result.state),
      join(ARTIFACTS, 'promoted-summary.png'),
    );
    expect(diagrams.length).toBeGreaterThanOrEqual(1);
    expect(diagrams.every((d) => !d.error && d.width > 300)).toBe(true);
    expect(diagrams.some((d) => /bar \[/.test(d.source))).toBe(false); // nothing rolled back, nothing marked
  }, 120_000);

  it('the HTML report is self-contained: its SVG charts draw with no request leaving the page, hostile text stays text', async () => {
    const { plan, state } = await rolledBack();
    state.failure!.reason = '<img src=x onerror=alert(1)> @everyone';
    const html = renderHtmlReport([{ title: 'rollback', plan, state }]);
    expect(html).not.toContain('<img src=x');
    const { charts, requests } = await renderHtml(browser, html, join(ARTIFACTS, 'report-html.png'));
    expect(requests).toEqual([]);
    expect(charts.length).toBe(3);
    for (const chart of charts) {
      expect(chart.width).toBeGreaterThan(300);
      expect(chart.lines).toBe(1);
      expect(chart.text).toContain('minutes since start');
    }
    expect(charts[1]!.text).toContain('threshold 0.01');
    expect(charts[1]!.text).toContain('rollback');
  }, 120_000);
});
