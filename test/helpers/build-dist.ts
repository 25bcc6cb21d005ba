/**
 * Vitest global setup: builds dist/ once per run as `npm run build` does (`tsc -p src/tsconfig.json`,
 * then the CLI bundle of scripts/bundle-cli.ts) so tests that spawn the product run the JavaScript
 * users run instead of loading tsx in every child. Nothing is built when every file in dist/ is
 * newer than every file and directory under src/, both tsconfigs and the bundle script (a
 * directory's time covers files added, renamed or deleted). A rebuild starts from
 * an empty dist/, so no output of a deleted source survives. A build that fails stops the run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ROOT } from './dist.js';

/** Calls `visit` with the mtime of `dir` and of everything under it. */
function walk(dir: string, visit: (mtimeMs: number, isDir: boolean) => void): void {
  visit(statSync(dir).mtimeMs, true);
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, visit);
    else visit(statSync(p).mtimeMs, false);
  }
}

const BUNDLE_SCRIPT = 'scripts/bundle-cli.ts';

function distIsFresh(): boolean {
  const dist = join(ROOT, 'dist');
  if (!existsSync(dist)) return false;
  let newestSource = Math.max(...['tsconfig.json', 'src/tsconfig.json', BUNDLE_SCRIPT].map((f) => statSync(join(ROOT, f)).mtimeMs));
  walk(join(ROOT, 'src'), (m) => (newestSource = Math.max(newestSource, m)));
  let oldestOutput = Infinity;
  walk(dist, (m, isDir) => {
    if (!isDir) oldestOutput = Math.min(oldestOutput, m);
  });
  return oldestOutput > newestSource;
}

export default function setup(): void {
  if (distIsFresh()) return;
  const started = Date.now();
  rmSync(join(ROOT, 'dist'), { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  for (const [what, args] of [
    ['tsc -p src/tsconfig.json', [tsc, '-p', 'src/tsconfig.json']],
    [BUNDLE_SCRIPT, ['--import', 'tsx', BUNDLE_SCRIPT]],
  ] as const) {
    const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' });
    if (r.status !== 0) {
      rmSync(join(ROOT, 'dist'), { recursive: true, force: true });
      throw new Error(`crm-mcp tests: building dist/ failed (${what} exited ${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
    }
  }
  process.stderr.write(`crm-mcp tests: built dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
