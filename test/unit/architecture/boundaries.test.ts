import { describe, expect, it } from 'vitest';
import { importGraph, type ImportEdge } from './import-graph.js';
import { violations } from './boundaries.js';

const edge = (from: string, to: string, typeOnly = false): ImportEdge => ({ from, to, typeOnly, dynamic: false, line: 1 });

describe('import boundaries of src/ (README "Architecture")', () => {
  const graph = [...importGraph('src'), ...importGraph('bench')];

  it('reads the real graph: static, type-only and dynamic imports', () => {
    const find = (from: string, to: string) => graph.find((e) => e.from === from && e.to === to);
    expect(find('src/engine/engine.ts', 'src/engine/plan.ts')).toMatchObject({ typeOnly: false });
    expect(find('src/ports.ts', 'src/engine/types.ts')).toMatchObject({ typeOnly: true });
    expect(graph.some((e) => e.dynamic && e.to.startsWith('@aws-sdk/'))).toBe(true);
    expect(graph.filter((e) => e.from.startsWith('bench/')).length).toBeGreaterThan(0);
  });

  it('holds every rule and has no import cycle', () => {
    expect(violations(graph)).toEqual([]);
  });

  it('catches each kind of violation', () => {
    const bad = [
      edge('src/engine/plan.ts', 'src/config/schema.ts'),
      edge('src/engine/engine.ts', 'node:net'),
      edge('src/engine/types.ts', 'src/ports.ts', true),
      edge('src/engine/plan.ts', 'src/github/client.ts'),
      edge('src/ports.ts', 'src/config/schema.ts', true),
      edge('src/ports.ts', 'src/engine/types.ts'),
      edge('src/gates/prometheus.ts', 'src/driver/driver.ts'),
      edge('src/traffic/nginx.ts', 'src/engine/engine.ts'),
      edge('src/traffic/nginx.ts', 'src/ports.ts'),
      edge('src/gates/http.ts', 'src/config/schema.ts'),
      edge('src/driver/driver.ts', 'src/github/client.ts'),
      edge('src/github/reporter.ts', 'src/action/main.ts'),
      edge('bench/judges.ts', 'test/unit/engine/sim.ts'),
      edge('src/driver/clock.ts', 'test/harness/clock.ts'),
    ];
    for (const e of bad) expect(violations([e]), `${e.from} → ${e.to}`).toHaveLength(1);
    const cycle = [edge('src/config/common.ts', 'src/gates/fields.ts', true), edge('src/gates/fields.ts', 'src/config/common.ts')];
    expect(violations(cycle)).toEqual([expect.stringContaining('import cycle')]);
    const fine = [
      edge('src/gates/http.ts', 'src/ports.ts', true),
      edge('src/gates/http.ts', 'src/config/common.ts'),
      edge('src/traffic/command.ts', 'src/util/exec.ts'),
      edge('src/gates/http.ts', 'zod'),
      edge('src/driver/driver.ts', 'src/engine/engine.ts'),
      edge('bench/zero-downtime.ts', 'test/harness/nginx.ts'),
    ];
    expect(violations(fine)).toEqual([]);
  });
});
