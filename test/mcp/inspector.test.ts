/**
 * The MCP Inspector CLI (v2, CLI mode) lists and calls tools against a spawned `stdio` server:
 * the real composition (encrypted SQLite store, token manager, engine) against the Salesforce fake.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT_IDS, startSandboxCrms, type SandboxCrms } from './helpers/sandbox-crms.js';
import { cliArgs } from '../helpers/dist.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const INSPECTOR = join(ROOT, 'node_modules/.bin/mcp-inspector');
// The inspector writes state under ~/.mcp-inspector: keep it out of the real home.
const HOME = mkdtempSync(join(tmpdir(), 'inspector-home-'));
/** The built crm-mcp binary, and the same stdio command with definitions pointed at the fakes. */
const MAIN = [process.execPath, ...cliArgs('stdio', '--account', ACCOUNT_IDS.salesforce)];
let crms: SandboxCrms;
let serverEnv: Record<string, string>;
beforeAll(async () => {
  crms = await startSandboxCrms();
  serverEnv = (await crms.seedStore()).env;
});
afterAll(async () => {
  rmSync(HOME, { recursive: true, force: true });
  await crms?.close();
});

function inspector(server: string[], args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    // MCP clients pass servers a minimal environment: hand over the store, key and test settings explicitly.
    const envFlags = Object.entries(serverEnv)
      .filter(([k]) => k.startsWith('CRM_MCP_'))
      .flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    const p = spawn(INSPECTOR, ['--cli', ...envFlags, ...server, ...args, '--format', 'json', '-q'], { cwd: ROOT, env: { ...process.env, HOME }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.stderr.on('data', (c: Buffer) => (err += c.toString()));
    p.on('exit', (code) => resolve({ code, out, err }));
  });
}

describe('MCP Inspector CLI against crm-mcp stdio', () => {
  it('lists the tools of the built crm-mcp stdio', async () => {
    const r = await inspector(MAIN, ['--method', 'tools/list']);
    expect(r.code, r.err).toBe(0);
    const names = (JSON.parse(r.out) as { result: { tools: Array<{ name: string }> } }).result.tools.map((t) => t.name);
    expect(names).toContain('list_contacts');
    expect(names).toHaveLength(14);
  }, 60_000);

  it('its schema-portability check (--strict) finds nothing in the tool schemas', async () => {
    const r = await inspector(MAIN, ['--method', 'tools/list', '--strict']);
    expect(r.code, r.err).toBe(0);
    const out = JSON.parse(r.out) as { result: { tools: unknown[] }; schemaFindings?: unknown[] };
    expect(out.result.tools).toHaveLength(14);
    expect(out.schemaFindings ?? []).toEqual([]);
    expect(r.err).not.toContain('portability');
  }, 60_000);

  it('calls a tool and gets structured content; an isError result exits 5', async () => {
    const seeded = crms.sb.salesforce.store.sorted('Contact')[0]!;
    const id = String(seeded.Id);
    const ok = await inspector(MAIN, ['--method', 'tools/call', '--tool-name', 'get_contact', '--tool-args-json', JSON.stringify({ id })]);
    expect(ok.code, ok.err).toBe(0);
    const res = (JSON.parse(ok.out) as { result: { structuredContent: { contact: { id: string; first_name: string } }; _meta: Record<string, string> } }).result;
    expect(res.structuredContent.contact).toMatchObject({ id, first_name: seeded.FirstName });
    expect(res._meta['ratelimit-limit']).toBe(String(crms.sb.salesforce.usage.limit));
    const bad = await inspector(MAIN, ['--method', 'tools/call', '--tool-name', 'get_contact', '--tool-args-json', '{"id":"003999999999999AAA"}']);
    expect(bad.code).toBe(5);
    expect(bad.out).toContain('"code":"not_found"');
  }, 60_000);
});
