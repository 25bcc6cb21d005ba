import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const root = new URL('../../src/sandbox/', import.meta.url).pathname;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

it('src/sandbox is a leaf: imports only node: builtins, its own modules and src/core; files stay under 400 lines', () => {
  const offenders: string[] = [];
  for (const f of files(root)) {
    for (const m of readFileSync(f, 'utf8').matchAll(/from '([^']+)'/g)) {
      const spec = m[1] ?? '';
      if (spec.startsWith('node:')) continue;
      if (spec.startsWith('../../core/') || spec.startsWith('../core/')) continue;
      if (spec.startsWith('./') || (spec.startsWith('../') && !/\.\.\/(mcp|cli|engine|tokens|integrations|store|accounts)\//.test(spec) && !spec.startsWith('../../'))) continue;
      offenders.push(`${f}: ${spec}`);
    }
  }
  expect(offenders).toEqual([]);
  expect(files(root).every((f) => readFileSync(f, 'utf8').split('\n').length < 400)).toBe(true);
});
