/** A spawned `stdio` process (command code + in-memory runtime): protocol-only stdout, JSON logs on stderr. */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exerciseAllTools } from './helpers/exercise.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const LAUNCHER = ['--import', 'tsx', 'test/mcp/helpers/memory-cli.ts'];

describe('stdio process (in-memory runtime)', () => {
  it('serves every tool to an SDK client; stderr carries JSON log lines only', async () => {
    const transport = new StdioClientTransport({ command: process.execPath, args: [...LAUNCHER, 'stdio', '--account', 'a-acct'], cwd: ROOT, stderr: 'pipe' });
    const err: string[] = [];
    transport.stderr?.on('data', (c: Buffer) => err.push(c.toString()));
    const client = new Client({ name: 'stdio-test', version: '1' });
    await client.connect(transport);
    await exerciseAllTools(client);
    await client.close();
    const lines = err.join('').split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(() => JSON.parse(l), l).not.toThrow();
    expect(err.join('')).not.toContain('at-SECRET-123456');
  });

  it('writes nothing but JSON-RPC to stdout and exits when stdin closes; unknown account exits 1', async () => {
    const child = spawn(process.execPath, [...LAUNCHER, 'stdio', '--account', 'a-acct'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stdin.write(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }) + '\n');
    child.stdin.write(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) + '\n');
    child.stdin.write(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'list_contacts', arguments: { limit: 1 } } }) + '\n');
    await expect.poll(() => out.includes('"id":2'), { timeout: 15_000 }).toBe(true);
    child.stdin.end();
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(code).toBe(0);
    const msgs = out.trim().split('\n').map((l) => JSON.parse(l) as { jsonrpc: string; id?: number });
    expect(msgs.every((m) => m.jsonrpc === '2.0')).toBe(true);
    expect(msgs.map((m) => m.id)).toEqual([1, 2]);

    const bad = spawn(process.execPath, [...LAUNCHER, 'stdio', '--account', 'nope'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let badErr = '';
    bad.stderr.on('data', (c: Buffer) => (badErr += c.toString()));
    expect(await new Promise((r) => bad.on('exit', r))).toBe(1);
    expect(badErr).toContain("account 'nope' not found");
  });
});
