/**
 * `stdio` as a process: nothing but JSON-RPC on stdout, redacted JSON log lines on stderr, exit
 * when stdin closes. Run both as the built crm-mcp binary (dist/cli/main.js, own store) and through the
 * sandbox launcher (same command and composition, definitions pointed at the HubSpot fake).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT_IDS, startSandboxCrms, type SandboxCrms } from './helpers/sandbox-crms.js';
import { cliArgs } from '../helpers/dist.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = cliArgs();

let crms: SandboxCrms;
beforeAll(async () => {
  crms = await startSandboxCrms();
});
afterAll(async () => crms?.close());

const line = (msg: unknown) => JSON.stringify(msg) + '\n';
const INIT = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } };

function run(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
  const io = { out: '', err: '' };
  child.stdout.on('data', (c: Buffer) => (io.out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (io.err += c.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', r));
  return { child, io, exited };
}

describe('crm-mcp stdio as a process', () => {
  it('answers initialize, tools/list and a tool call on stdout only; JSON logs on stderr without secrets; exits 0 when stdin closes', async () => {
    const { env } = await crms.seedStore();
    const p = run([...MAIN, 'stdio', '--account', ACCOUNT_IDS.hubspot, '--log-level', 'debug'], env);
    p.child.stdin.write(line(INIT));
    p.child.stdin.write(line({ jsonrpc: '2.0', method: 'notifications/initialized' }));
    p.child.stdin.write(line({ jsonrpc: '2.0', id: 2, method: 'tools/list' }));
    p.child.stdin.write(line({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'list_contacts', arguments: { limit: 1 } } }));
    await expect.poll(() => p.io.out.includes('"id":3'), { timeout: 20_000 }).toBe(true);
    p.child.stdin.end();
    expect(await p.exited).toBe(0);
    const msgs = p.io.out.trim().split('\n').map((l) => JSON.parse(l) as { jsonrpc: string; id?: number; result?: { structuredContent?: { contacts: unknown[] } } });
    expect(msgs.every((m) => m.jsonrpc === '2.0')).toBe(true);
    expect(msgs.map((m) => m.id)).toEqual([1, 2, 3]);
    expect(msgs[2]?.result?.structuredContent?.contacts).toHaveLength(1);
    const logs = p.io.err.trim().split('\n');
    expect(logs.length).toBeGreaterThan(0);
    for (const l of logs) expect(() => JSON.parse(l), l).not.toThrow();
    for (const s of crms.secrets) expect(p.io.out + p.io.err).not.toContain(s);
  }, 60_000);

  it('crm-mcp stdio: serves the store and key named by flags; an unknown account exits 3 and a missing --account 2, with one reason on stderr', async () => {
    const { dataDir, env: seeded } = await crms.seedStore({ keyFile: true });
    // Only flags say where the store and the key are.
    const { CRM_MCP_DATA_DIR: _dir, ...env } = seeded;
    const where = ['--store', join(dataDir, 'store.sqlite'), '--keys-file', join(dataDir, 'keys.json')];
    const ok = run([...MAIN, 'stdio', '--account', ACCOUNT_IDS.salesforce, ...where], env);
    ok.child.stdin.write(line(INIT));
    ok.child.stdin.write(line({ jsonrpc: '2.0', method: 'notifications/initialized' }));
    ok.child.stdin.write(line({ jsonrpc: '2.0', id: 2, method: 'tools/list' }));
    await expect.poll(() => ok.io.out.includes('"id":2'), { timeout: 20_000 }).toBe(true);
    ok.child.stdin.end();
    expect(await ok.exited).toBe(0);
    const tools = (JSON.parse(ok.io.out.trim().split('\n')[1]!) as { result: { tools: Array<{ description: string }> } }).result.tools;
    expect(tools).toHaveLength(14);
    expect(tools[0]?.description).toContain('Salesforce');

    const unknown = run([...MAIN, 'stdio', '--account', 'nope', ...where], env);
    unknown.child.stdin.end();
    expect(await unknown.exited).toBe(3);
    expect(unknown.io.err).toContain("account 'nope' not found");
    expect(unknown.io.out).toBe('');

    const usage = run([...MAIN, 'stdio'], env);
    usage.child.stdin.end();
    expect(await usage.exited).toBe(2);
    expect(usage.io.err).toMatch(/^crm-mcp stdio: --account is required/);
  }, 60_000);
});
