// Every traffic block docs/kubernetes.md shows is a valid spec as written.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSpec } from '../../../src/config/load.js';

const doc = readFileSync(new URL('../../../docs/kubernetes.md', import.meta.url), 'utf8');
const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((text) => /^traffic:$/m.test(text));

describe('docs/kubernetes.md', () => {
  it('shows the three providers', () => {
    expect(blocks.map((b) => /provider: (\S+)/.exec(b)?.[1])).toEqual(['gateway-api', 'istio', 'kubernetes-service']);
  });

  it.each(blocks.map((text, i) => [i, text] as const))('traffic block %i validates', (_i, text) => {
    const strategy = /^strategy: (\S+)/m.exec(text)?.[1] ?? 'canary';
    const spec = `version: 1\n${strategy === 'canary' ? 'strategy: canary\nstages: [{ weight: 100 }]\n' : 'blueGreen: {}\n'}${text}`;
    expect(parseSpec(spec, 'docs/kubernetes.md').errors).toEqual([]);
  });
});
