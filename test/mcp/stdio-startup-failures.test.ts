/**
 * `crm-mcp stdio` failures before ready, as an SDK client meets them: the account cannot be
 * served (unknown account, no key, unreachable Redis), so the client's first request —
 * `initialize` from a 2025-11-25 client, `server/discover` from a 2026-07-28 one — is answered
 * with a JSON-RPC error carrying the reason, and the process exits non-zero. No pre-loader
 * answers first: `connect()` itself fails with the reason.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, ReadBuffer, serializeMessage, type JSONRPCMessage, type Transport } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.js';
import { openStore } from '../../src/app/open-store.js';
import { cliArgs, configEnvironments, ROOT, writeConfigFile } from '../helpers/dist.js';
import { testAccount } from './helpers/accounts.js';

/** How the client opens: the 2025 handshake, pinned to 2026-07-28 (`server/discover` only), or probing first. */
type Era = 'legacy' | '2026-07-28' | 'auto';

interface WireError {
  id: string | number;
  error: { code: number; message: string; data?: { reason?: string } };
}

/** The SDK client over a child we spawned ourselves, so the test also sees its exit code and the wire. */
function childTransport(child: ChildProcessWithoutNullStreams, seen: { sent: Array<{ id?: unknown; method?: string }>; received: JSONRPCMessage[] }): Transport {
  const buffer = new ReadBuffer();
  const t: Transport = {
    async start() {
      child.stdout.on('data', (chunk: Buffer) => {
        buffer.append(chunk);
        for (let msg = buffer.readMessage(); msg; msg = buffer.readMessage()) {
          seen.received.push(msg);
          t.onmessage?.(msg);
        }
      });
      child.on('exit', () => t.onclose?.());
    },
    async send(message: JSONRPCMessage) {
      seen.sent.push(message as { id?: unknown; method?: string });
      if (child.stdin.writable) child.stdin.write(serializeMessage(message));
    },
    async close() {
      child.stdin.end();
    },
  };
  return t;
}

const spawned: ChildProcessWithoutNullStreams[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const c of spawned.splice(0)) if (c.exitCode === null) c.kill();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function connectTo(args: string[], env: Record<string, string>, era: Era) {
  const child = spawn(process.execPath, cliArgs('stdio', ...args), { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  spawned.push(child);
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const mode = era === 'legacy' ? undefined : era === 'auto' ? ('auto' as const) : { pin: era };
  const client = new Client({ name: 'startup-failure-test', version: '1' }, mode ? { versionNegotiation: { mode } } : {});
  const seen = { sent: [] as Array<{ id?: unknown; method?: string }>, received: [] as JSONRPCMessage[] };
  const connected = await client.connect(childTransport(child, seen)).then(
    () => undefined,
    (err: unknown) => err as Error,
  );
  const exitCode = await exited;
  // What the server answered to the client's first request, as it crossed the wire.
  const first = seen.sent.find((m) => m.id !== undefined);
  const firstAnswer = seen.received.find((m) => 'id' in m && m.id === first?.id) as WireError | undefined;
  return { connected, exitCode, stderr: () => stderr, firstMethod: first?.method, firstAnswer };
}

/** A healthy start as a 2025-11-25 SDK client sees it: how many tools it listed, and the exit code once it closed. */
async function listToolsAndClose(args: string[], env: Record<string, string>): Promise<{ tools: number; exitCode: number | null }> {
  const child = spawn(process.execPath, cliArgs('stdio', ...args), { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  spawned.push(child);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const client = new Client({ name: 'startup-test', version: '1' });
  await client.connect(childTransport(child, { sent: [], received: [] }));
  const { tools } = await client.listTools();
  await client.close();
  return { tools: tools.length, exitCode: await exited };
}

/** A data dir whose embedded store holds one sealed account; its key file beside it. */
async function storeWithAccount(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'crm-mcp-stdio-fail-'));
  dirs.push(dir);
  const store = await openStore(loadConfig({ env: { CRM_MCP_DATA_DIR: dir }, cwd: dir }), { notice: () => {}, create: true });
  await store.accounts.put(testAccount({ id: 'acct-1' }));
  await store.close();
  return dir;
}

/** An operator's copy of a shipped definition whose contacts mapping does not parse; returns its path. */
function brokenDefinition(dir: string, integration: string): string {
  const def = JSON.parse(readFileSync(join(ROOT, 'integrations', `${integration}.json`), 'utf8')) as { resources: { contacts: { mapping: string } } };
  def.resources.contacts.mapping = '{ "id": ';
  mkdirSync(join(dir, 'defs'), { recursive: true });
  const file = join(dir, 'defs', `${integration}.json`);
  writeFileSync(file, JSON.stringify(def));
  return file;
}

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

describe('crm-mcp stdio: failures before ready reach the client as JSON-RPC errors', () => {
  it('an unknown account: a 2025-11-25 client\'s initialize gets the reason, connect() fails with it; exit 3', async () => {
    const dir = await storeWithAccount();
    const r = await connectTo(['--account', 'nope'], { CRM_MCP_DATA_DIR: dir }, 'legacy');
    expect(r.firstMethod).toBe('initialize');
    expect(r.firstAnswer?.error).toEqual({ code: -32000, message: "account 'nope' not found", data: { reason: 'not_found' } });
    expect(r.connected?.message).toContain("account 'nope' not found");
    expect(r.exitCode).toBe(3);
    expect(r.stderr()).toContain("account 'nope' not found");
  }, 30_000);

  it('an unknown account: a 2026-07-28 client\'s server/discover gets the reason as a JSON-RPC error; connect() fails; exit 3', async () => {
    const dir = await storeWithAccount();
    const r = await connectTo(['--account', 'nope'], { CRM_MCP_DATA_DIR: dir }, '2026-07-28');
    expect(r.firstMethod).toBe('server/discover');
    expect(r.firstAnswer?.error).toEqual({ code: -32000, message: "account 'nope' not found", data: { reason: 'not_found' } });
    // The pinned SDK client reports any discover error as a failed negotiation (its own wording).
    expect(r.connected).toBeInstanceOf(Error);
    expect(r.exitCode).toBe(3);
  }, 30_000);

  it('a probing client (discover, then initialize on the same pipe) gets the reason again and shows it', async () => {
    const dir = await storeWithAccount();
    const r = await connectTo(['--account', 'nope'], { CRM_MCP_DATA_DIR: dir }, 'auto');
    expect(r.firstMethod).toBe('server/discover');
    expect(r.connected?.message).toContain("account 'nope' not found");
    expect(r.exitCode).toBe(3);
  }, 30_000);

  it('no key for a store holding sealed accounts: the reason names the missing key; exit 1', async () => {
    const dir = await storeWithAccount();
    const r = await connectTo(['--account', 'acct-1', '--keys-file', join(dir, 'elsewhere.json')], { CRM_MCP_DATA_DIR: dir }, 'legacy');
    expect(r.firstAnswer?.error.data?.reason).toBe('crypto_unknown_key');
    expect(r.connected?.message).toMatch(/no encryption key was found/);
    expect(r.exitCode).toBe(1);
  }, 30_000);

  it('an unreachable Redis: the answer to server/discover carries the connect failure, without the password; exit 1', async () => {
    const port = await closedPort();
    const key = `k1:${Buffer.alloc(32, 9).toString('base64')}`;
    const r = await connectTo(['--account', 'acct-1', '--redis-url', `redis://:s3cret-pw@127.0.0.1:${port}`], { CRM_MCP_ENCRYPTION_KEY: key }, '2026-07-28');
    expect(r.firstAnswer?.error.data?.reason).toBe('store_unavailable');
    expect(r.firstAnswer?.error.message).toMatch(new RegExp(`redis \\(redis://:\\*+@127\\.0\\.0\\.1:${port}\\) connect failed`));
    expect(JSON.stringify(r.firstAnswer)).not.toContain('s3cret-pw');
    expect(r.stderr()).not.toContain('s3cret-pw');
    expect(r.stderr()).not.toContain(key.slice(3));
    expect(r.connected).toBeInstanceOf(Error);
    expect(r.exitCode).toBe(1);
  }, 30_000);

  it('an invalid expression in the served integration\'s definition: the reason names the file and field; exit 1', async () => {
    const dir = await storeWithAccount();
    const file = brokenDefinition(dir, 'hubspot');
    const r = await connectTo(['--account', 'acct-1', '--integrations', join(dir, 'defs')], { CRM_MCP_DATA_DIR: dir }, 'legacy');
    expect(r.firstAnswer?.error.data?.reason).toBe('definition_invalid');
    expect(r.firstAnswer?.error.message).toContain(`${file}: resources.contacts.mapping: JSONata syntax error`);
    expect(r.connected).toBeInstanceOf(Error);
    expect(r.exitCode).toBe(1);
  }, 30_000);

  it('an invalid expression in another integration\'s definition does not stop the served one (checked on its first use)', async () => {
    const dir = await storeWithAccount();
    brokenDefinition(dir, 'salesforce');
    const r = await listToolsAndClose(['--account', 'acct-1', '--integrations', join(dir, 'defs')], { CRM_MCP_DATA_DIR: dir });
    expect(r.tools).toBeGreaterThan(0);
    expect(r.exitCode).toBe(0);
  }, 30_000);

  it('an invalid environment override of the served integration and environment: the reason names the config path; exit 2 (configuration)', async () => {
    const dir = await storeWithAccount();
    const config = writeConfigFile({ environments: configEnvironments({ production: { hubspot: { resources: { contacts: { mapping: "{ 'id': id " } } } } }) });
    const r = await connectTo(['--account', 'acct-1', '--config', config], { CRM_MCP_DATA_DIR: dir }, 'legacy');
    expect(r.firstAnswer?.error.data?.reason).toBe('config_invalid');
    expect(r.firstAnswer?.error.message).toContain(`config file ${config}: environments.production.overrides.hubspot.resources.contacts.mapping: JSONata syntax error`);
    expect(r.connected).toBeInstanceOf(Error);
    expect(r.exitCode).toBe(2);
  }, 30_000);

  it('an invalid override of another environment or integration does not stop the served one; an override of an unknown integration does', async () => {
    const dir = await storeWithAccount();
    const broken = { resources: { contacts: { mapping: "{ 'id': id " } } };
    const config = writeConfigFile({ environments: configEnvironments({ staging: { hubspot: broken }, production: { salesforce: broken } }) });
    const served = await listToolsAndClose(['--account', 'acct-1', '--config', config], { CRM_MCP_DATA_DIR: dir });
    expect(served.tools).toBeGreaterThan(0);
    expect(served.exitCode).toBe(0);

    const unknown = writeConfigFile({ environments: configEnvironments({ staging: { hubspots: { base_url: 'https://x.example' } } }) });
    const r = await connectTo(['--account', 'acct-1', '--config', unknown], { CRM_MCP_DATA_DIR: dir }, 'legacy');
    expect(r.firstAnswer?.error.data?.reason).toBe('config_invalid');
    expect(r.firstAnswer?.error.message).toContain('environments.staging.overrides.hubspots: unknown integration "hubspots"');
    expect(r.exitCode).toBe(2);
  }, 30_000);

  it('a healthy start: the first answer is the real server\'s (tools listed right after connect); exit 0 when the client closes', async () => {
    const dir = await storeWithAccount();
    const child = spawn(process.execPath, cliArgs('stdio', '--account', 'acct-1'), { cwd: ROOT, env: { PATH: process.env.PATH ?? '', CRM_MCP_DATA_DIR: dir }, stdio: ['pipe', 'pipe', 'pipe'] });
    spawned.push(child);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const client = new Client({ name: 'startup-test', version: '1' });
    await client.connect(childTransport(child, { sent: [], received: [] }));
    expect(client.getServerVersion()?.name).toBe('crm-mcp');
    const { tools } = await client.listTools();
    expect(tools.length).toBeGreaterThan(0);
    await client.close();
    expect(await exited).toBe(0);
  }, 30_000);
});
