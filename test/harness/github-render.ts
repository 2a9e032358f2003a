/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// Renders Markdown as github.com shows a PR comment or a job summary: GitHub-flavoured Markdown to
// HTML (marked), GitHub's own styles (github-markdown-css), ```mermaid blocks drawn by Mermaid, in
// Debian's headless Chromium driven by playwright-core. Returns what each diagram became.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { marked } from 'marked';
import { chromium, type Browser } from 'playwright-core';

const require = createRequire(import.meta.url);
export const CHROMIUM = process.env.CHROMIUM_BINARY ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install it with \`apt-get install chromium\` (or set CHROMIUM_BINARY)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface RenderedDiagram {
  /** The Mermaid source of the block. */
  source: string;
  /** Mermaid's error, when it could not parse or draw it. */
  error?: string;
  /** Width and height of the drawn SVG (0 when nothing was drawn). */
  width: number;
  height: number;
  /** Text of the SVG (axis titles, tick labels). */
  text: string;
}

/** The page GitHub would show: the Markdown body inside .markdown-body, mermaid blocks as diagrams. */
export function githubPage(markdown: string): string {
  const body = (marked.parse(markdown, { gfm: true, async: false }) as string).replace(
    /<pre><code class="language-mermaid">([\s\S]*?)<\/code><\/pre>/g,
    (_all, code: string) => `<pre class="mermaid">${code}</pre>`,
  );
  const css = readFileSync(require.resolve('github-markdown-css/github-markdown-light.css'), 'utf8');
  return `<!doctype html><html><head><meta charset="utf-8"><style>${css}
.markdown-body{box-sizing:border-box;max-width:980px;margin:0 auto;padding:45px}</style></head>
<body><article class="markdown-body">${body}</article></body></html>`;
}

/** Opens the page in Chromium, lets Mermaid draw every diagram, and reports each; optionally screenshots it. */
export async function renderGithubMarkdown(browser: Browser, markdown: string, screenshot?: string): Promise<RenderedDiagram[]> {
  const page = await browser.newPage({ viewport: { width: 1012, height: 800 } });
  try {
    await page.setContent(githubPage(markdown), { waitUntil: 'load' });
    await page.addScriptTag({ path: require.resolve('mermaid/dist/mermaid.min.js') });
    const diagrams = await page.evaluate(async () => {
      const m = (
        globalThis as unknown as { mermaid: { initialize(o: object): void; render(id: string, text: string): Promise<{ svg: string }> } }
      ).mermaid;
      m.initialize({ startOnLoad: false, securityLevel: 'strict', theme: 'default' });
      const blocks = [...document.querySelectorAll('pre.mermaid')] as HTMLElement[];
      const out = [];
      for (const [i, block] of blocks.entries()) {
        const source = block.textContent ?? '';
        try {
          const { svg } = await m.render(`diagram-${i}`, source);
          block.innerHTML = svg;
          const drawn = block.querySelector('svg')!;
          const box = drawn.getBoundingClientRect();
          out.push({ source, width: box.width, height: box.height, text: drawn.textContent ?? '' });
        } catch (error) {
          out.push({ source, error: String((error as Error).message ?? error), width: 0, height: 0, text: '' });
        }
      }
      return out;
    });
    if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
    return diagrams;
  } finally {
    await page.close();
  }
}

/** Opens a self-contained HTML file's text in Chromium and returns its inline SVG charts' sizes. */
export async function renderHtml(browser: Browser, html: string, screenshot?: string) {
  const page = await browser.newPage({ viewport: { width: 1012, height: 800 } });
  try {
    const requests: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith('data:') && r.url() !== 'about:blank') requests.push(r.url());
    });
    await page.setContent(html, { waitUntil: 'load' });
    const charts = await page.$$eval('svg', (svgs) =>
      svgs.map((s) => ({
        width: s.getBoundingClientRect().width,
        text: s.textContent ?? '',
        lines: s.querySelectorAll('polyline').length,
      })),
    );
    if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
    return { charts, requests };
  } finally {
    await page.close();
  }
}
