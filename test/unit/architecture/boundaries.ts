// The import rules of src/ (README "Architecture"). Each rule names the files it governs and the
// imports they may not have; a violation names the file, line and the import.
import { cycles, type ImportEdge } from './import-graph.js';

const under = (dir: string) => (path: string) => path.startsWith(`src/${dir}/`);
const isEngine = under('engine');
const isProvider = (path: string) => under('gates')(path) || under('traffic')(path);
const isLocal = (path: string) => path.startsWith('src/');
const ownDir = (a: string, b: string) => a.split('/')[1] === b.split('/')[1];

/** What providers may import from the rest of src/: the ports, the spec's building blocks and util/. */
const PROVIDER_MAY_IMPORT = ['src/ports.ts', 'src/config/common.ts', 'src/config/duration.ts', 'src/config/strategies.ts'];

interface Rule {
  name: string;
  broken: (edge: ImportEdge) => boolean;
}

export const RULES: Rule[] = [
  {
    name: 'src/engine/ imports only its own files (no provider, github/, node:* or package)',
    broken: (e) => isEngine(e.from) && !isEngine(e.to),
  },
  {
    name: 'src/ports.ts imports types only, and only from src/engine/',
    broken: (e) => e.from === 'src/ports.ts' && (!e.typeOnly || !isEngine(e.to)),
  },
  {
    name: 'providers (src/gates/, src/traffic/) import only their own directory, src/ports.ts (types), the spec building blocks and src/util/',
    broken: (e) =>
      isProvider(e.from) &&
      isLocal(e.to) &&
      !ownDir(e.from, e.to) &&
      !under('util')(e.to) &&
      !(PROVIDER_MAY_IMPORT.includes(e.to) && (e.to !== 'src/ports.ts' || e.typeOnly)),
  },
  {
    name: 'src/driver/ never imports the action, the CLI or GitHub',
    broken: (e) => under('driver')(e.from) && ['action', 'cli', 'github'].some((d) => under(d)(e.to)),
  },
  {
    name: 'src/github/ never imports the action or the CLI',
    broken: (e) => under('github')(e.from) && ['action', 'cli'].some((d) => under(d)(e.to)),
  },
  {
    name: 'src/ never imports test/ or bench/; bench/ uses only the shared harness of test/ (test/harness/)',
    broken: (e) =>
      (isLocal(e.from) && (e.to.startsWith('test/') || e.to.startsWith('bench/'))) ||
      (e.from.startsWith('bench/') && e.to.startsWith('test/') && !e.to.startsWith('test/harness/')),
  },
];

/** Every broken rule and every import cycle, one line each (empty when the graph is clean). */
export function violations(edges: ImportEdge[]): string[] {
  const found: string[] = [];
  for (const rule of RULES) {
    for (const e of edges.filter(rule.broken)) {
      found.push(`${e.from}:${e.line} imports ${e.to}${e.typeOnly ? ' (type)' : ''}: breaks "${rule.name}"`);
    }
  }
  for (const cycle of cycles(edges)) found.push(`import cycle (type imports included): ${cycle.join(' → ')}`);
  return found;
}
