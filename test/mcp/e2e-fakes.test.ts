/**
 * The real engine and definitions against loopback HubSpot and Salesforce fakes, through the
 * MCP layer: over Streamable HTTP (in-process server, bearer tokens) and over stdio (spawned
 * process). Every tool is called and its structured output checked against its output schema.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccessTokenStore } from '../../src/access-tokens/store.js';
import { cryptoRandom, systemClock } from '../../src/core/deps.js';
import { createMemoryLogger } from '../../src/core/logger.js';
import { startHttpServer, type RunningHttpServer } from '../../src/http/server.js';
import { plainCodec } from '../../src/store/codec.js';
import { createAccountStore } from '../../src/store/kv-account-store.js';
import { createMemoryKv } from '../../src/store/memory-kv.js';
import { exerciseAllTools } from './helpers/exercise.js';
import { startFakeCrms, type FakeCrms } from './helpers/fake-crms.js';
import { fixedTokens, realEngine } from './helpers/real-stack.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let crms: FakeCrms;
let http: RunningHttpServer;
let tokenFor: Record<string, string>;
const logger = createMemoryLogger();
const kv = createMemoryKv();
const store = createAccountStore({ kv, codec: plainCodec, clock: systemClock });

beforeAll(async () => {
  crms = await startFakeCrms();
  for (const a of crms.accounts) await store.put(a);
  const deps = { clock: systemClock, random: cryptoRandom, logger };
  // Each account's stored access token (issued by its fake); refresh is the token manager's concern.
  const tokens = fixedTokens((id) => store.get(id));
  const { engine, crmName } = realEngine(deps, tokens, { envOverrides: crms.envOverrides, extraAllowedHosts: crms.extraAllowedHosts });
  const accessTokens = createAccessTokenStore({ kv, clock: systemClock, random: cryptoRandom });
  tokenFor = {};
  for (const a of crms.accounts) tokenFor[a.id] = (await accessTokens.create({ tenantId: a.tenant_id, accountId: a.id })).token;
  http = await startHttpServer({ port: 0, engine, deps, accounts: store, auth: { mode: 'tokens', tokens: accessTokens }, crmName });
});
afterAll(async () => {
  await http?.close();
  await crms?.close();
});

async function httpClient(accountId: string) {
  const client = new Client({ name: 'e2e-http', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${http.url}/accounts/${accountId}/mcp`), { requestInit: { headers: { authorization: `Bearer ${tokenFor[accountId]}` } } }));
  return client;
}

async function stdioClient(accountId: string) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['--import', 'tsx', 'test/mcp/helpers/real-cli.ts', 'stdio', '--account', accountId],
    cwd: ROOT,
    stderr: 'pipe',
    env: {
      ...(process.env as Record<string, string>),
      CRM_MCP_TEST_ACCOUNTS: JSON.stringify(crms.accounts),
      CRM_MCP_TEST_ALLOWED_HOSTS: crms.extraAllowedHosts.join(','),
      CRM_MCP_TEST_ENV_OVERRIDES: JSON.stringify(crms.envOverrides),
    },
  });
  const client = new Client({ name: 'e2e-stdio', version: '1' });
  await client.connect(transport);
  return client;
}

const structured = (r: unknown) => (r as CallToolResult).structuredContent as Record<string, unknown>;

describe.each([
  ['hubspot', 'acct-hubspot'],
  ['salesforce', 'acct-salesforce'],
] as const)('%s through MCP', (kind, accountId) => {
  it('over Streamable HTTP: every tool works and matches its output schema', async () => {
    const client = await httpClient(accountId);
    const out = await exerciseAllTools(client, { skip: crms.unsupported[kind] });
    expect((structured(out.list_contacts).contacts as unknown[]).length).toBe(2);
    expect(structured(out.list_contacts).next_cursor).toEqual(expect.any(String));
    expect(structured(out.update_deal)).toMatchObject({ deal: { amount: 2000 } });
    await client.close();
  });

  it('over stdio (spawned process): every tool works and matches its output schema', async () => {
    const client = await stdioClient(accountId);
    await exerciseAllTools(client, { skip: crms.unsupported[kind] });
    await client.close();
  });

  it('throttled by the provider: rate_limited with retry_after_seconds, exactly one provider request', async () => {
    const fake = crms[kind];
    const client = await httpClient(accountId);
    fake.throttleNext();
    const before = fake.seen.length;
    const res = (await client.callTool({ name: 'list_contacts', arguments: { limit: 2 } })) as CallToolResult;
    expect(fake.seen.length - before).toBe(1);
    expect(res.isError).toBe(true);
    const error = structured(res).error as { code: string; retry_after_seconds: number };
    expect(error.code).toBe('rate_limited');
    expect(error.retry_after_seconds).toBeGreaterThan(0);
    expect(res._meta?.['retry-after']).toBe(String(error.retry_after_seconds));
    await client.close();
  });

  it('an account in needs_reauth lists tools but calls never reach the provider', async () => {
    const client = await httpClient(accountId);
    await store.update(accountId, (a) => ({ ...a, status: 'needs_reauth' }));
    try {
      expect((await client.listTools()).tools.length).toBeGreaterThan(10);
      const before = crms[kind].seen.length;
      const res = (await client.callTool({ name: 'list_contacts', arguments: {} })) as CallToolResult;
      expect((structured(res).error as { code: string }).code).toBe('needs_reauth');
      expect(crms[kind].seen.length).toBe(before);
    } finally {
      await store.update(accountId, (a) => ({ ...a, status: 'active' }));
      await client.close();
    }
  });
});

describe('tenant isolation against the real stack', () => {
  it("tenant A's token cannot reach tenant B's Salesforce account; no provider request is made", async () => {
    const before = crms.salesforce.seen.length;
    const res = await fetch(`${http.url}/accounts/acct-salesforce/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokenFor['acct-hubspot']}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'list_contacts', arguments: {} } }),
    });
    expect(res.status).toBe(403);
    expect(crms.salesforce.seen.length).toBe(before);
  });

  it('no secret from the fakes appears in logs', () => {
    const all = logger.lines.join('\n');
    for (const a of crms.accounts) expect(all).not.toContain(a.context.oauth!.token.access_token);
  });
});
