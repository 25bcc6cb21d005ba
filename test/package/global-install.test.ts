/**
 * The package as users install it: `npm pack` of this checkout (the built dist/), installed
 * globally into a temporary prefix with npm (its production dependencies only, from the
 * registry or npm's cache), and its `crm-mcp` bin run: `--help`, then `sandbox`, whose printed
 * Claude Desktop entry points at the installed package and whose `stdio` server lists contacts.
 * Nothing of this checkout's node_modules is reachable from there.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/dist.js';

const work = mkdtempSync(join(tmpdir(), 'crm-mcp-global-'));
const prefix = join(work, 'prefix');
const bin = join(prefix, 'bin', 'crm-mcp');
const installed = join(prefix, 'lib', 'node_modules', 'crm-mcp');
/** npm's own settings for this install only: the parent `npm test` must not leak its prefix or workspace. */
const npmEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_(config|package|lifecycle)_/i.test(k)));
let sandbox: ReturnType<typeof spawn> | undefined;

beforeAll(() => {
  const [packed] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: ROOT, env: npmEnv, encoding: 'utf8' })) as Array<{ filename: string }>;
  execFileSync('npm', ['install', '--global', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', join(work, packed!.filename)], { cwd: work, env: npmEnv, stdio: 'ignore' });
}, 240_000);
afterAll(() => {
  sandbox?.kill('SIGTERM');
});

function run(args: string[]): { code: number; stdout: string } {
  try {
    return { code: 0, stdout: execFileSync(bin, args, { cwd: work, env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8' }) };
  } catch (err) {
    return { code: (err as { status: number }).status, stdout: String((err as { stdout?: string }).stdout ?? '') };
  }
}

describe('npm pack → npm install --global → crm-mcp', () => {
  it('installs the crm-mcp bin into the prefix, a real copy of the package, not a link to this checkout', () => {
    expect(existsSync(bin)).toBe(true);
    expect(realpathSync(bin)).toBe(join(realpathSync(installed), 'dist', 'cli', 'main.js'));
    expect(existsSync(join(installed, 'integrations', 'hubspot.json'))).toBe(true);
  });

  it('crm-mcp --help lists every command', () => {
    const r = run(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['sandbox', 'stdio', 'serve', 'demo', 'accounts list']) expect(r.stdout).toContain(`  ${c} `);
  });

  it('crm-mcp sandbox prints a Claude Desktop entry that runs the installed package; its stdio server lists contacts', async () => {
    const dataDir = join(work, 'sandbox');
    const child = spawn(bin, ['sandbox', '--data-dir', dataDir], { cwd: work, env: { PATH: process.env.PATH ?? '', HOME: work } });
    sandbox = child;
    let out = '';
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('The clients work while this runs')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`sandbox exited ${code}: ${err}`)));
    });
    const lines = out.split('\n');
    const at = lines.findIndex((l) => l.startsWith('Claude Desktop'));
    const cfg = JSON.parse(lines.slice(at + 1, lines.indexOf('}', at) + 1).join('\n')) as { mcpServers: Record<string, { command: string; args: string[]; env: Record<string, string> }> };
    const server = cfg.mcpServers['crm-sandbox-hubspot']!;
    expect(realpathSync(server.args[0]!)).toBe(join(realpathSync(installed), 'dist', 'cli', 'main.js'));
    const client = new Client({ name: 'global-install-test', version: '1' });
    await client.connect(new StdioClientTransport({ command: server.command, args: server.args, env: server.env, cwd: '/', stderr: 'ignore' }));
    try {
      const res = (await client.callTool({ name: 'list_contacts', arguments: { limit: 2 } })) as CallToolResult;
      expect(res.isError, JSON.stringify(res.content)).toBeFalsy();
      expect((res.structuredContent as { contacts: unknown[] }).contacts).toHaveLength(2);
    } finally {
      await client.close();
    }
  }, 60_000);
});
