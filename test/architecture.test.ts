import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layering, checked on the source. Files may not import in a circle (Biome's noImportCycles);
 * this test holds the coarser rule: the domains under src/modules form a directed graph without
 * cycles, counting every import, type-only ones too, and the shared layers below them (lib, the
 * entities) import no domain.
 */
const root = resolve(import.meta.dirname, '..');
const modules = join(root, 'src/modules');

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return tsFiles(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g;

/** Relative imports of a file, as absolute paths. */
function importsOf(file: string, source = readFileSync(file, 'utf8')): string[] {
  return [...source.matchAll(SPECIFIER)].map((m) => resolve(dirname(file), m[1]!));
}

const domainOf = (path: string): string | null => {
  const rel = relative(modules, path);
  if (rel.startsWith('..') || !rel.includes(sep)) return null; // outside, or a shared file such as service-context.ts
  return rel.split(sep)[0]!;
};

function domainGraph(files: string[]): Map<string, Map<string, string[]>> {
  const graph = new Map<string, Map<string, string[]>>();
  for (const file of files) {
    const from = domainOf(file);
    if (!from) continue;
    if (!graph.has(from)) graph.set(from, new Map());
    for (const target of importsOf(file)) {
      const to = domainOf(target);
      if (!to || to === from) continue;
      const edges = graph.get(from)!;
      edges.set(to, [...(edges.get(to) ?? []), `${relative(root, file)} -> ${relative(root, target)}`]);
    }
  }
  return graph;
}

/** Strongly connected sets of more than one domain (Tarjan), each a cycle to break. */
function cycles(graph: Map<string, Map<string, unknown>>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const set: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        set.push(w);
      } while (w !== v);
      if (set.length > 1) found.push(set.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return found;
}

describe('architecture', () => {
  it('finds a cycle when there is one (the checker itself)', () => {
    const g = new Map([
      ['a', new Map([['b', []]])],
      ['b', new Map([['c', []]])],
      ['c', new Map([['a', []]])],
      ['d', new Map([['a', []]])],
    ]);
    expect(cycles(g)).toEqual([['a', 'b', 'c']]);
    expect(importsOf('/x/src/modules/a/f.ts', "import type { T } from '../b/t.ts';\nconst m = await import('./m.ts');")).toEqual([
      '/x/src/modules/b/t.ts',
      '/x/src/modules/a/m.ts',
    ]);
  });

  it('domains under src/modules import each other without a cycle, type imports included', () => {
    const graph = domainGraph(tsFiles(modules));
    expect(graph.size).toBeGreaterThan(10);
    const found = cycles(graph).map((set) => set.flatMap((from) => set.flatMap((to) => graph.get(from)?.get(to) ?? [])));
    expect(found).toEqual([]);
  });

  it('the shared layers (lib, entities, infra) import no domain', () => {
    const shared = ['src/lib', 'src/db/entities', 'src/infra'].flatMap((d) => tsFiles(join(root, d)));
    const upward = shared.flatMap((file) =>
      importsOf(file)
        .filter((t) => domainOf(t) !== null)
        .map((t) => `${relative(root, file)} -> ${relative(root, t)}`),
    );
    expect(upward).toEqual([]);
  });
});
