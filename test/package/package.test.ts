/**
 * What npm publishes: `main`/`types`/`exports` name files the build emits, the entry exports the
 * library API, and no benchmark or test code ships (npm's own file list, `npm pack --dry-run`).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { main: string; types: string; exports: Record<string, { types: string; import: string } | string>; bin: Record<string, string> };

describe('the published package', () => {
  it('main, types, exports and bin point at files the build emitted; the entry is the library API', async () => {
    const entry = pkg.exports['.'] as { types: string; import: string };
    for (const f of [pkg.main, pkg.types, entry.types, entry.import, ...Object.values(pkg.bin)]) expect(existsSync(`${ROOT}${f}`), f).toBe(true);
    const api = (await import(`${ROOT}${entry.import}`)) as Record<string, unknown>;
    expect(Object.keys(api).sort()).toEqual(['DefinitionSchema', 'createServer', 'openApp', 'serveHttp']);
  });

  it('ships dist and the definitions, and no bench or test code', () => {
    const [packed] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' })) as Array<{ files: Array<{ path: string }> }>;
    const paths = packed!.files.map((f) => f.path);
    expect(paths).toContain('dist/cli/main.js');
    expect(paths).toContain('integrations/hubspot.json');
    expect(paths.filter((p) => /(^|\/)(bench|test)(\/|$)|\.test\.|^src\//.test(p))).toEqual([]);
  });
});
