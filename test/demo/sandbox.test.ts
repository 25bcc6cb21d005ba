/**
 * `crm-mcp sandbox` as a user meets it: started from the built dist/ on a fresh data directory
 * (free ports; a space in the path), it prints client configs, and those configs — taken from
 * its stdout, not rebuilt here — start servers that work: the Claude Desktop entries spawned with
 * exactly their command, args and env from `/`, and the Inspector stdio commands both as the SDK
 * client sees them (`-e` pairs as the whole environment) and run through the real Inspector CLI.
 * A restart reuses the ports and accounts, so configs printed earlier keep working.
 * (The SDK's stdio transport adds HOME, PATH, SHELL, TERM, USER, LOGNAME to a server's env, as
 * Claude Desktop, VS Code and the Inspector do; nothing else reaches the server.)
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIST_CLI, ROOT } from '../helpers/dist.js';

/** A result's structuredContent, as a record (the SDK types it as an opaque object). */
const structured = (r: CallToolResult): Record<string, unknown> => (r.structuredContent ?? {}) as Record<string, unknown>;


const INSPECTOR_BIN = join(ROOT, 'node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js');
const LAST_LINE = 'The clients work while this runs';

interface Running {
  child: ChildProcessWithoutNullStreams;
  stdout: string;
  stop(): Promise<number | null>;
}

function startSandbox(dataDir: string, extra: string[] = []): Promise<Running> {
  const child = spawn(process.execPath, [DIST_CLI, 'sandbox', '--data-dir', dataDir, ...extra], { cwd: tmpdir(), env: { PATH: process.env.PATH ?? '', HOME: tmpdir() } });
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((r) => child.on('exit', r));
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes(LAST_LINE)) resolve({ child, stdout: out, stop: () => (child.kill('SIGTERM'), exited) });
    });
    void exited.then((code) => reject(new Error(`sandbox exited ${code} before printing its configs: ${err}${out}`)));
  });
}

/** The JSON document printed under `heading` (up to its closing brace at column 0). */
function jsonAfter(stdout: string, heading: string): unknown {
  const lines = stdout.split('\n');
  const at = lines.findIndex((l) => l.startsWith(heading));
  expect(at, heading).toBeGreaterThanOrEqual(0);
  const end = lines.indexOf('}', at);
  return JSON.parse(lines.slice(at + 1, end + 1).join('\n'));
}

/** POSIX shell words: what `sh` makes of a printed command line (quotes and backslashes). */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let cur: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === "'") {
      const end = line.indexOf("'", i + 1);
      cur = (cur ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (ch === '\\') cur = (cur ?? '') + line[++i];
    else if (ch === ' ') {
      if (cur !== undefined) words.push(cur);
      cur = undefined;
    } else cur = (cur ?? '') + ch;
  }
  if (cur !== undefined) words.push(cur);
  return words;
}

/** Lists the tools and one page of contacts through a stdio server started exactly as given. */
async function useStdioServer(s: { command: string; args: string[]; env: Record<string, string> }) {
  const client = new Client({ name: 'sandbox-test', version: '1' });
  await client.connect(new StdioClientTransport({ command: s.command, args: s.args, env: s.env, cwd: '/', stderr: 'ignore' }));
  try {
    const tools = (await client.listTools()).tools.map((t) => t.name);
    const res = (await client.callTool({ name: 'list_contacts', arguments: { limit: 3 } })) as CallToolResult;
    return { tools, res, contacts: (structured(res).contacts ?? []) as Array<{ id: string }> };
  } finally {
    await client.close();
  }
}

function runInspector(args: string[], home: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [INSPECTOR_BIN, ...args], { cwd: '/', env: { PATH: process.env.PATH ?? '', HOME: home } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    p.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

type DesktopConfig = { mcpServers: Record<string, { command: string; args: string[]; env: Record<string, string> }> };
const CONTACT_ID = { 'crm-sandbox-hubspot': /^\d+$/, 'crm-sandbox-salesforce': /^003\w{15}$/ } as Record<string, RegExp>;

describe('crm-mcp sandbox', () => {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'crm-mcp-sandbox-')), 'sandbox data');
  let first: Running;

  beforeAll(async () => {
    first = await startSandbox(dataDir);
  }, 60_000);
  afterAll(async () => {
    await first?.stop();
  });

  it('the printed Claude Desktop entries, spawned exactly as printed from /, list the tools and the contacts of each sandbox CRM', async () => {
    const cfg = jsonAfter(first.stdout, 'Claude Desktop') as DesktopConfig;
    expect(Object.keys(cfg.mcpServers)).toEqual(['crm-sandbox-hubspot', 'crm-sandbox-salesforce']);
    for (const [name, s] of Object.entries(cfg.mcpServers)) {
      expect(s.command).toBe(process.execPath);
      expect(s.args.slice(0, 4)).toEqual([DIST_CLI, 'stdio', '--account', name.replace('crm-', '')]);
      expect(s.args).toEqual(expect.arrayContaining(['--data-dir', dataDir]));
      const { tools, res, contacts } = await useStdioServer(s);
      expect(tools).toContain('list_contacts');
      expect(res.isError, JSON.stringify(res.content)).toBeFalsy();
      expect(contacts).toHaveLength(3);
      for (const c of contacts) expect(c.id).toMatch(CONTACT_ID[name]!);
    }
    // VS Code's file starts the same servers.
    const vscode = jsonAfter(first.stdout, 'VS Code') as { servers: Record<string, { type: string; command: string; args: string[]; env: Record<string, string> }> };
    for (const [name, s] of Object.entries(vscode.servers)) expect({ ...s, type: undefined }).toEqual({ ...cfg.mcpServers[name], type: undefined });
  }, 60_000);

  it('the printed Inspector stdio commands work: their -e pairs are the whole environment the server needs, and the real Inspector CLI runs them', async () => {
    const lines = first.stdout.split('\n').filter((l) => l.startsWith('npx @modelcontextprotocol/inspector --cli --method tools/list '));
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      const args = shellWords(line).slice(2);
      const sep = args.indexOf('--');
      const env = Object.fromEntries(args.slice(0, sep).flatMap((a, i, all) => (all[i - 1] === '-e' ? [a.split(/=(.*)/s).slice(0, 2) as [string, string]] : [])));
      expect(Object.keys(env).sort()).toEqual([expect.stringMatching(/^CRM_MCP_\w+_SANDBOX_CLIENT_ID$/), expect.stringMatching(/^CRM_MCP_\w+_SANDBOX_CLIENT_SECRET$/)]);
      const [command, ...serverArgs] = args.slice(sep + 1);
      const viaSdk = await useStdioServer({ command: command!, args: serverArgs, env });
      expect(viaSdk.res.isError, JSON.stringify(viaSdk.res.content)).toBeFalsy();
      expect(viaSdk.contacts).toHaveLength(3);

      const home = mkdtempSync(join(tmpdir(), 'crm-mcp-inspector-home-'));
      const listed = await runInspector(args, home);
      expect(listed.code, listed.stderr).toBe(0);
      expect((JSON.parse(listed.stdout) as { tools: Array<{ name: string }> }).tools.map((t) => t.name)).toContain('list_contacts');
      const call = args.map((a) => (a === 'tools/list' ? 'tools/call' : a));
      call.splice(3, 0, '--tool-name', 'list_contacts', '--tool-arg', 'limit=2');
      const called = await runInspector(call, home);
      expect(called.code, called.stderr).toBe(0);
      expect((JSON.parse(called.stdout) as { structuredContent: { contacts: unknown[] } }).structuredContent.contacts).toHaveLength(2);
    }
  }, 90_000);

  it('the printed HTTP bearer tokens reach their account over Streamable HTTP', async () => {
    const lines = first.stdout.split('\n').filter((l) => l.includes('--header') && l.startsWith('npx @modelcontextprotocol/inspector --cli http'));
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      const args = shellWords(line);
      const url = args[3]!;
      const auth = args[args.indexOf('--header') + 1]!;
      const client = new Client({ name: 'sandbox-http-test', version: '1' });
      await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: auth.replace(/^Authorization: /, '') } } }));
      const res = (await client.callTool({ name: 'list_contacts', arguments: { limit: 1 } })) as CallToolResult;
      await client.close();
      expect(res.isError, JSON.stringify(res.content)).toBeFalsy();
    }
  }, 60_000);

  it("the printed env block is what refreshing needs: without it a refresh fails, with it it works; a valid token needs no OAuth client either way", async () => {
    const cfg = jsonAfter(first.stdout, 'Claude Desktop') as DesktopConfig;
    const hubspot = cfg.mcpServers['crm-sandbox-hubspot']!;
    const flags = hubspot.args.slice(hubspot.args.indexOf('--data-dir'));
    const refresh = (env: Record<string, string>) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const p = spawn(hubspot.command, [DIST_CLI, 'accounts', 'refresh', 'sandbox-hubspot', ...flags], { cwd: '/', env: { PATH: process.env.PATH ?? '', ...env } });
        let out = '';
        p.stdout.on('data', (c: Buffer) => (out += c.toString()));
        p.stderr.on('data', (c: Buffer) => (out += c.toString()));
        p.on('exit', (code) => resolve({ code, out }));
      });
    const without = await refresh({});
    expect(without.code).toBe(1);
    expect(without.out).toMatch(/no OAuth client configured for integration 'hubspot' \(environment 'sandbox'\)/);
    const withEnv = await refresh(hubspot.env);
    expect(withEnv.code, withEnv.out).toBe(0);
    expect(withEnv.out).toContain('refreshed sandbox-hubspot: active → active');
    // The server keeps working on the refreshed token the store now holds.
    expect((await useStdioServer(hubspot)).contacts).toHaveLength(3);

    // Serving a live token resolves no OAuth client (its expiry, learned by introspection, is stored).
    const salesforce = cfg.mcpServers['crm-sandbox-salesforce']!;
    expect((await useStdioServer(salesforce)).contacts).toHaveLength(3);
    const bare = await useStdioServer({ ...salesforce, env: {} });
    expect(bare.res.isError, JSON.stringify(bare.res.content)).toBeFalsy();
    expect(bare.contacts).toHaveLength(3);
  }, 60_000);

  it('a second sandbox on the same data directory is refused while the first runs', async () => {
    const second = spawn(process.execPath, [DIST_CLI, 'sandbox', '--data-dir', dataDir], { env: { PATH: process.env.PATH ?? '' } });
    let err = '';
    second.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((r) => second.on('exit', r));
    expect(code).toBe(1);
    expect(err).toMatch(/a sandbox already runs on .* \(pid \d+\)/);
  }, 30_000);

  it('after a restart on the same data directory: same ports and accounts, so the configs printed before still work; the old HTTP tokens do not', async () => {
    const before = jsonAfter(first.stdout, 'Claude Desktop') as DesktopConfig;
    const oldHttp = first.stdout.split('\n').find((l) => l.includes('--header'))!;
    expect(await first.stop()).toBe(0);
    first = await startSandbox(dataDir);
    expect(first.stdout).toContain('sandbox-hubspot (HubSpot, active, kept from the last start)');
    expect(jsonAfter(first.stdout, 'Claude Desktop')).toEqual(before);
    for (const s of Object.values(before.mcpServers)) {
      const { res, contacts } = await useStdioServer(s);
      expect(res.isError, JSON.stringify(res.content)).toBeFalsy();
      expect(contacts).toHaveLength(3);
    }
    const args = shellWords(oldHttp);
    const client = new Client({ name: 'sandbox-http-test', version: '1' });
    const transport = new StreamableHTTPClientTransport(new URL(args[3]!), { requestInit: { headers: { authorization: args[args.indexOf('--header') + 1]!.replace(/^Authorization: /, '') } } });
    await expect(client.connect(transport)).rejects.toThrow(/invalid_token.*token revoked/);
  }, 90_000);
});
