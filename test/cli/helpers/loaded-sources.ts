/**
 * What a spawned crm-mcp process loaded, as source paths: a module resolve hook appends every file
 * URL the process imports to a trace file; each built file is then named by the sources its
 * source map lists — a module tsc emitted by its one source, a bundle chunk of dist/cli/
 * (scripts/bundle-cli.ts) by every module bundled into it. Paths are relative to the repository:
 * `src/tokens/manager.ts`, `node_modules/undici/index.js`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from '../../helpers/dist.js';

/** Node flags that make a process append each file URL it imports to `traceFile`. */
export function traceImportsArgs(traceFile: string): string[] {
  const hooks = `import { appendFileSync } from 'node:fs'; export async function resolve(s, c, n) { const r = await n(s, c); if (r.url.startsWith('file:')) appendFileSync(${JSON.stringify(traceFile)}, r.url + '\\n'); return r; }`;
  const register = `import { register } from 'node:module'; register(${JSON.stringify('data:text/javascript,' + encodeURIComponent(hooks))});`;
  return ['--import', `data:text/javascript,${encodeURIComponent(register)}`];
}

/** The sources of every file the trace lists (sorted, once each). */
export function loadedSources(traceFile: string): string[] {
  const out = new Set<string>();
  for (const url of new Set(readFileSync(traceFile, 'utf8').split('\n').filter(Boolean))) {
    const file = fileURLToPath(url);
    const map = `${file}.map`;
    if (!existsSync(map)) {
      out.add(relative(ROOT, file));
      continue;
    }
    const { sources, sourceRoot } = JSON.parse(readFileSync(map, 'utf8')) as { sources: string[]; sourceRoot?: string };
    for (const s of sources) out.add(relative(ROOT, resolve(dirname(file), sourceRoot ?? '', s)));
  }
  return [...out].sort();
}
