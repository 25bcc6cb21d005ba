/**
 * Dependencies point one way (STYLE.md habit 1): a module imports only modules of its own layer
 * or a lower one, and neither modules nor files form a cycle. Adding an upward import or a cycle
 * anywhere in src/ fails this test, naming the file and both ends.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cycles, importGraph, moduleOf, upwardImports } from './import-graph.js';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));

/** Lowest first. */
const LAYERS = [
  ['core'],
  ['unified', 'accounts'],
  ['crypto', 'store', 'integrations', 'audit', 'webhooks', 'oauth', 'oauth-clients', 'access-tokens', 'sandbox'],
  ['tokens', 'engine'],
  ['mcp', 'connect', 'transfer'],
  ['http'],
  ['app'],
  ['demo'],
  ['cli'],
  ['(root)'],
] as const;

describe('the import graph of src/', () => {
  const edges = importGraph(SRC);

  it('has edges to check', () => {
    expect(edges.length).toBeGreaterThan(200);
  });

  it('imports only down or across a layer, never up', () => {
    expect(upwardImports(edges, LAYERS)).toEqual([]);
  });

  it('has no cycle between modules', () => {
    const modEdges = edges.map((e) => ({ from: moduleOf(e.from), to: moduleOf(e.to) })).filter((e) => e.from !== e.to);
    expect(cycles(modEdges)).toEqual([]);
  });

  it('has no cycle between files', () => {
    expect(cycles(edges)).toEqual([]);
  });

  it('the sandbox (shipped for the demo) imports only core', () => {
    const out = edges.filter((e) => moduleOf(e.from) === 'sandbox' && !['sandbox', 'core'].includes(moduleOf(e.to)));
    expect(out).toEqual([]);
  });
});

describe('the checks themselves', () => {
  it('flag an upward import and a module missing from the layers', () => {
    const found = upwardImports([{ from: 'core/a.ts', to: 'cli/b.ts' }, { from: 'cli/b.ts', to: 'core/a.ts' }, { from: 'core/a.ts', to: 'nowhere/c.ts' }], LAYERS);
    expect(found).toEqual(['core/a.ts → cli/b.ts: core (layer 0) imports cli (layer 8)', "core/a.ts → nowhere/c.ts: module 'nowhere' is in no layer"]);
  });

  it('find a cycle through three files and none in a chain', () => {
    expect(cycles([{ from: 'a', to: 'b' }, { from: 'b', to: 'c' }, { from: 'c', to: 'a' }, { from: 'c', to: 'd' }])).toEqual([['a', 'b', 'c']]);
    expect(cycles([{ from: 'a', to: 'b' }, { from: 'b', to: 'c' }])).toEqual([]);
  });
});
