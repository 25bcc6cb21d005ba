/**
 * The import graph of src/, read with TypeScript's own pre-processor (every static import,
 * `export … from` and dynamic `import()` with a literal specifier), and the two checks the
 * layering test runs on it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

export interface Edge {
  from: string;
  to: string;
}

/** Files relative to `root`, with their relative imports resolved to files relative to `root`. */
export function importGraph(root: string): Edge[] {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts')) files.push(p);
    }
  };
  walk(root);
  return files.flatMap((f) =>
    ts
      .preProcessFile(readFileSync(f, 'utf8'), true, true)
      .importedFiles.filter((i) => i.fileName.startsWith('.'))
      .map((i) => ({ from: relative(root, f), to: relative(root, resolve(dirname(f), i.fileName).replace(/\.js$/, '.ts')) })),
  );
}

/** The top-level module of a file: its first directory, or '(root)' for src/index.ts. */
export const moduleOf = (file: string): string => (file.includes('/') ? file.split('/')[0]! : '(root)');

/** Imports from a module to one in a higher layer, or to a module no layer names. */
export function upwardImports(edges: readonly Edge[], layers: readonly (readonly string[])[]): string[] {
  const rank = new Map(layers.flatMap((mods, i) => mods.map((m) => [m, i] as const)));
  const out: string[] = [];
  for (const e of edges) {
    const a = moduleOf(e.from);
    const b = moduleOf(e.to);
    if (a === b) continue;
    const ra = rank.get(a);
    const rb = rank.get(b);
    if (ra === undefined || rb === undefined) out.push(`${e.from} → ${e.to}: module '${ra === undefined ? a : b}' is in no layer`);
    else if (rb > ra) out.push(`${e.from} → ${e.to}: ${a} (layer ${ra}) imports ${b} (layer ${rb})`);
  }
  return out;
}

/** Every cycle's members, once per strongly connected component of more than one node (Tarjan). */
export function cycles(edges: ReadonlyArray<{ from: string; to: string }>): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) if (e.from !== e.to) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const found: string[][] = [];
  let i = 0;
  const visit = (v: string) => {
    index.set(v, i);
    low.set(v, i++);
    stack.push(v);
    on.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) found.push(scc.sort());
    }
  };
  for (const v of next.keys()) if (!index.has(v)) visit(v);
  return found;
}
