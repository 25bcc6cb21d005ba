/**
 * The README matches the product: the two quickstart commands CI runs, the Node version stated
 * once and equal to package.json `engines`, every command of the top-level help in its command
 * table, the demo's search query, and the sandbox's default data directories.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { DEFAULT_QUERY } from '../../src/demo/agent.js';
import { defaultSandboxDir } from '../../src/demo/sandbox-state.js';
import { ROOT } from '../helpers/dist.js';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };

describe('README.md', () => {
  it('shows the quickstart and test commands CI runs', () => {
    expect(readme).toContain('npm ci && npm run build && node dist/cli/main.js demo');
    expect(readme).toMatch(/^npm test\b/m);
  });

  it('states the Node.js version once, equal to engines', () => {
    const stated = [...readme.matchAll(/Node(?:\.js)?\s*(?:≥|>=)\s*([\d.]+)/g)].map((m) => m[1]);
    expect(stated).toEqual([pkg.engines.node.replace(/^>=\s*/, '')]);
  });

  it('lists every command of the top-level help', async () => {
    const out: string[] = [];
    expect(await runCli(['--help'], { stdout: (t) => out.push(t), stderr: () => {}, env: {}, stdoutIsTty: false })).toBe(0);
    const help = out.join('');
    const leaves = [...help.slice(help.indexOf('Commands:')).matchAll(/^ {2}([a-z]+(?: [a-z]+)?)(?= \[| <|\s{2,}|$)/gm)].map((m) => m[1]!).filter((c) => c !== 'help');
    expect(leaves.length).toBeGreaterThan(20);
    expect(leaves.filter((c) => !readme.includes(`| \`crm-mcp ${c}\` |`))).toEqual([]);
  });

  it("describes the demo agent's search and the sandbox's default data directories as the code has them", () => {
    expect(readme).toContain(`search contacts for "${DEFAULT_QUERY}"`);
    expect(readme).toContain(defaultSandboxDir({}, 'linux', '~'));
    expect(readme).toContain(defaultSandboxDir({}, 'darwin', '~'));
    expect(readme).toContain(defaultSandboxDir({ LOCALAPPDATA: '%LOCALAPPDATA%' }, 'win32', 'C:\\Users\\me'));
  });
});
