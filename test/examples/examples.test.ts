/**
 * The examples, run: agent-backoff.ts lists every contact of the faithful HubSpot fake behind a
 * tiny rate limit (in this process on a manual clock, and as the actual script driving a spawned
 * `stdio` server), and the client configuration files, placeholders filled in, start stdio
 * servers that refresh through the OAuth client of their env block and list contacts.
 */
import { spawn } from 'node:child_process';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { listAllContactsWithBackoff } from '../../examples/agent-backoff.js';
import { COMMANDS } from '../../src/cli/commands.js';
import { stdio as stdioRun } from '../cli/helpers/cli.js';
import { silentLogger } from '../helpers/logger.js';
import { startHttpServer } from '../../src/http/server.js';
import { openRuntime } from '../../src/cli/open.js';
import { cliArgs } from '../helpers/dist.js';
import { manualClock } from '../helpers/manual-clock.js';
import { ACCOUNT_IDS, startSandboxCrms } from '../mcp/helpers/sandbox-crms.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const HUBSPOT_API = /^\/crm\//;

describe('examples/agent-backoff.ts against the HubSpot fake behind a tiny rate limit', () => {
  it('completes the full listing over Streamable HTTP, backing off at least 3 times; one provider request per call', async () => {
    // The fake's rolling window runs on a clock the agent's sleep advances: no real waiting.
    const clock = manualClock(Date.now());
    const crms = await startSandboxCrms({ clock, hubspot: { seed: { contacts: 25, companies: 2, deals: 2, notes: 2 }, rateLimit: { max: 2, intervalMs: 10_000 } } });
    const { env } = await crms.seedStore();
    const rt = await openRuntime({}, { stdout: () => {}, stderr: () => {}, env, stdoutIsTty: false });
    const srv = await startHttpServer({ port: 0, engine: rt.engine, deps: { ...rt.deps, logger: silentLogger }, accounts: rt.accounts, auth: { mode: 'none', accountId: ACCOUNT_IDS.hubspot } });
    const client = new Client({ name: 'backoff-e2e', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${srv.url}/mcp`)));
    const expected = [...crms.sb.hubspot.store.records.contacts.keys()];
    try {
      const log: string[] = [];
      const run = await listAllContactsWithBackoff(client, { pageSize: 4, sleep: async (ms) => clock.advance(ms), log: (l) => log.push(l) });
      expect(run.contacts.map((c) => c.id).sort()).toEqual(expected.sort());
      expect(run.pages).toBe(7);
      expect(run.backoffs).toBeGreaterThanOrEqual(3);
      // Each tool call made exactly one provider request: the server neither retried nor waited.
      expect(crms.sb.hubspot.log.count(HUBSPOT_API)).toBe(run.pages + run.backoffs);
      expect(crms.sb.hubspot.log.entries.filter((e) => e.status === 429)).toHaveLength(run.backoffs);
      expect(run.lastRateLimit['ratelimit-limit']).toBe('2');
      expect(log.filter((l) => /^rate limited: waiting 10s/.test(l))).toHaveLength(run.backoffs);
    } finally {
      await client.close();
      await srv.close();
      await rt.close();
      await crms.close();
    }
  });

  it('the script itself, driving a spawned `stdio` server, lists every contact through at least 3 backoffs', async () => {
    const crms = await startSandboxCrms({ hubspot: { seed: { contacts: 45, companies: 2, deals: 2, notes: 2 }, rateLimit: { max: 1, intervalMs: 1000 } } });
    const { env } = await crms.seedStore();
    try {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'examples/agent-backoff.ts', '--', process.execPath, ...cliArgs('stdio', '--account', ACCOUNT_IDS.hubspot, '--log-level', 'warn')],
        { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      let err = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (err += c.toString()));
      const code = await new Promise<number | null>((r) => child.on('exit', r));
      expect(code, err).toBe(0);
      const summary = JSON.parse(out) as { contacts: number; pages: number; backoffs: number };
      expect(summary).toMatchObject({ contacts: 45, pages: 5 });
      expect(summary.backoffs).toBeGreaterThanOrEqual(3);
      expect(crms.sb.hubspot.log.entries.filter((e) => e.status === 429)).toHaveLength(summary.backoffs);
      for (const s of crms.secrets) expect(out + err).not.toContain(s);
    } finally {
      await crms.close();
    }
  }, 60_000);
});

describe('client configuration examples, with their placeholders filled in, start servers that work', () => {
  type StdioEntry = { command: string; args: string[]; env: Record<string, string> };
  const claude = JSON.parse(readFileSync(`${ROOT}examples/claude_desktop_config.json`, 'utf8')) as { mcpServers: Record<string, StdioEntry> };
  const vscode = JSON.parse(readFileSync(`${ROOT}examples/vscode-mcp.json`, 'utf8')) as {
    servers: Record<string, Partial<StdioEntry> & { type: string; url?: string; headers?: Record<string, string> }>;
    inputs: Array<{ id: string; password?: boolean }>;
  };

  /** The entry as a user fills it in: this checkout, a data dir holding the account, their OAuth client. */
  function fill(entry: StdioEntry, p: { dataDir: string; account: string; clientId: string; clientSecret: string }): StdioEntry {
    const sub = (v: string) =>
      v.replace('/ABSOLUTE/PATH/crm-mcp/', ROOT).replace('/ABSOLUTE/PATH/.crm-mcp', p.dataDir).replace('ACCOUNT_ID', p.account)
        .replace('YOUR_HUBSPOT_CLIENT_ID', p.clientId).replace(/^YOUR_HUBSPOT_CLIENT_SECRET$|^\$\{input:hubspot-client-secret\}$/, p.clientSecret);
    return { command: entry.command, args: entry.args.map(sub), env: Object.fromEntries(Object.entries(entry.env).map(([k, v]) => [k, sub(v)])) };
  }

  it('Claude Desktop and VS Code: node + the absolute dist/cli/main.js, stdio --account, --data-dir (store and key), the OAuth client in env', async () => {
    const crms = await startSandboxCrms();
    const { dataDir } = await crms.seedStore({ keyFile: true });
    const g = crms.sb.grants!.hubspot;
    const stdioEntry = Object.values(vscode.servers).find((s) => s.type === 'stdio') as StdioEntry;
    try {
      for (const [label, entry] of [['claude_desktop_config.json', Object.values(claude.mcpServers)[0]!], ['vscode-mcp.json', stdioEntry]] as const) {
        expect(entry.command, label).toBe('node');
        expect(entry.args.slice(0, 2), label).toEqual(['/ABSOLUTE/PATH/crm-mcp/dist/cli/main.js', 'stdio']);
        const filled = fill(entry, { dataDir, account: ACCOUNT_IDS.hubspot, clientId: g.clientId, clientSecret: g.clientSecret });
        // Only the fakes' endpoints are added: the examples are written for the real HubSpot.
        const run = async (env: Record<string, string>) => {
          const client = new Client({ name: 'example-config', version: '1' });
          await client.connect(new StdioClientTransport({ command: filled.command, args: filled.args, env: { ...env, CRM_MCP_CONFIG: crms.configFile }, cwd: '/', stderr: 'ignore' }));
          try {
            // The provider rejects the access token, so the call needs a refresh with the OAuth client.
            crms.sb.hubspot.oauth.expireAllAccessTokens();
            return (await client.callTool({ name: 'list_contacts', arguments: { limit: 2 } })) as CallToolResult;
          } finally {
            await client.close();
          }
        };
        expect((await run({})).isError, `${label} without its env block`).toBe(true);
        const res = await run(filled.env);
        expect(res.isError, `${label}: ${JSON.stringify(res.content)}`).toBeFalsy();
        expect((res.structuredContent as { contacts: unknown[] }).contacts).toHaveLength(2);
      }
    } finally {
      await crms.close();
    }
  }, 60_000);

  it('every flag the stdio entries pass is one `crm-mcp stdio` accepts', async () => {
    const usage: string[] = [];
    await stdioRun(['--help'], { stdout: (t) => usage.push(t), stderr: () => {}, env: {}, stdoutIsTty: false });
    expect(COMMANDS.stdio).toBeDefined();
    for (const entry of [...Object.values(claude.mcpServers), vscode.servers['crm-hubspot'] as StdioEntry]) {
      for (const flag of entry.args.filter((a) => a.startsWith('--'))) expect(usage.join(''), flag).toContain(flag);
    }
  });

  it('vscode-mcp.json also has an HTTP server with a bearer token input; secrets are password inputs', () => {
    const http = Object.values(vscode.servers).find((s) => s.type === 'http')!;
    expect(new URL(http.url!).pathname).toBe('/mcp');
    expect(http.headers?.Authorization).toMatch(/^Bearer \$\{input:[a-z-]+\}$/);
    for (const input of vscode.inputs) expect(input.password, input.id).toBe(true);
  });
});
