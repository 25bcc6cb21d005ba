/**
 * The product's own composition (openApp: encrypted SQLite store, token manager, engine,
 * the definitions in integrations/) against the faithful HubSpot and Salesforce fakes of
 * src/sandbox, through MCP: the SDK Client over Streamable HTTP (the `serve` command running in
 * this process, bearer tokens from the `tokens` command) and over stdio (the `stdio` command in a
 * spawned process). Every tool is called and its structured output checked against its declared
 * output schema.
 */
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { serve, tokens as tokensCmd } from '../cli/helpers/cli.js';
import { openRuntime, type RuntimeFlags } from '../../src/cli/open.js';
import type { McpRuntime } from '../../src/mcp/runtime.js';
import { cliArgs } from '../helpers/dist.js';
import { LIST_CALL, mcpPost } from '../http/helpers.js';
import { exerciseAllTools } from './helpers/exercise.js';
import { ACCOUNT_IDS, TENANTS, startSandboxCrms, type Kind, type SandboxCrms } from './helpers/sandbox-crms.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ALL_TOOLS = ['create_contact', 'create_deal', 'describe_crm', 'get_company', 'get_contact', 'get_deal', 'list_companies', 'list_contacts', 'list_deals', 'list_notes', 'log_note', 'search_contacts', 'update_contact', 'update_deal'];

let crms: SandboxCrms;
let rt: McpRuntime;
let mcpUrl: string;
let stdioEnv: Record<string, string>;
let httpEnv: Record<string, string>;
let open: (flags: RuntimeFlags, io: CliIo) => Promise<McpRuntime>;
const stopServe = new AbortController();
let served: Promise<number>;
const tokenFor = {} as Record<Kind, string>;
const logs: string[] = [];

function captureIo(env: Record<string, string>, out: string[] = []): CliIo {
  return { stdout: (s) => out.push(s), stderr: (s) => logs.push(s), env, stdoutIsTty: false };
}

beforeAll(async () => {
  crms = await startSandboxCrms();
  const httpStore = await crms.seedStore();
  httpEnv = httpStore.env;
  open = openRuntime;
  for (const kind of ['hubspot', 'salesforce', 'nodeals'] as const) {
    const out: string[] = [];
    const code = await tokensCmd(['create', '--tenant', TENANTS[kind], '--account', ACCOUNT_IDS[kind], '--expires-in', '1h', '--json'], captureIo(httpStore.env, out), open);
    expect(code, logs.join('')).toBe(0);
    tokenFor[kind] = (JSON.parse(out.join('')) as { token: string }).token;
  }
  const out: string[] = [];
  served = serve(['--port', '0'], captureIo(httpStore.env, out), async (flags, io) => (rt = await open(flags, io)), { stop: stopServe.signal });
  for (let i = 0; !out.join('').includes('listening'); i++) {
    if (i > 400) throw new Error(`serve did not start: ${logs.join('')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  mcpUrl = (JSON.parse(out.join('')) as { listening: string }).listening;
  stdioEnv = (await crms.seedStore()).env;
}, 60_000);

afterAll(async () => {
  stopServe.abort();
  await served;
  await crms?.close();
});

async function httpClient(kind: Kind, path = '/mcp') {
  const client = new Client({ name: 'e2e-http', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(path, mcpUrl), { requestInit: { headers: { authorization: `Bearer ${tokenFor[kind]}` } } }));
  return client;
}

async function stdioClient(kind: Kind) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: cliArgs('stdio', '--account', ACCOUNT_IDS[kind]),
    cwd: ROOT,
    stderr: 'pipe',
    env: stdioEnv,
  });
  transport.stderr?.on('data', (c: Buffer) => logs.push(c.toString()));
  const client = new Client({ name: 'e2e-stdio', version: '1' });
  await client.connect(transport);
  return client;
}

const TRANSPORTS = { http: httpClient, stdio: stdioClient } as const;
const structured = (r: unknown) => (r as CallToolResult).structuredContent as Record<string, unknown>;
const fakeOf = (kind: 'hubspot' | 'salesforce') => crms.sb[kind];

describe.each(['http', 'stdio'] as const)('over %s', (transport) => {
  it('tools per account: HubSpot and Salesforce get every tool naming their CRM; a definition without deals gets no deal tools', async () => {
    for (const [kind, name, expected] of [
      ['hubspot', 'HubSpot', ALL_TOOLS],
      ['salesforce', 'Salesforce', ALL_TOOLS],
      ['nodeals', 'NoDeals CRM', ALL_TOOLS.filter((t) => !t.includes('deal'))],
    ] as const) {
      const client = await TRANSPORTS[transport](kind);
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort(), kind).toEqual(expected);
      for (const t of tools) expect(t.description, `${kind} ${t.name}`).toContain(name);
      await client.close();
    }
  }, 60_000);

  it.each(['hubspot', 'salesforce'] as const)('%s: every tool works against the fake and matches its output schema', async (kind) => {
    const client = await TRANSPORTS[transport](kind);
    const before = fakeOf(kind).log.count(kind === 'hubspot' ? /^\/crm\// : /^\/services\/data\//);
    const out = await exerciseAllTools(client);
    const list = out.list_contacts!;
    expect((structured(list).contacts as unknown[]).length).toBe(2);
    expect(structured(list).next_cursor).toEqual(expect.any(String));
    const limit = kind === 'hubspot' ? 100 : 15000;
    expect(structured(list).rate_limit).toMatchObject({ limit, remaining: expect.any(Number) });
    expect(list._meta?.['ratelimit-limit']).toBe(String(limit));
    expect(structured(out.update_deal)).toMatchObject({ deal: { amount: 2000 } });
    expect(structured(out.log_note)).toMatchObject({ note: { deal_ids: [String((structured(out.create_deal).deal as { id: string }).id)] } });
    // The fake really served them: at least one provider request per tool call.
    expect(fakeOf(kind).log.count(kind === 'hubspot' ? /^\/crm\// : /^\/services\/data\//) - before).toBeGreaterThanOrEqual(Object.keys(out).length);
    await client.close();
  }, 60_000);
});

describe('serve runs proactive refresh', () => {
  // First in this file: later tests defer refreshes (a token endpoint 500 reschedules a retry).
  it('on start it scheduled every stored account 60–180 s before its token expires', async () => {
    const upcoming = await rt.scheduler!.upcoming(10);
    expect(upcoming.map((u) => u.account_id).sort()).toEqual(Object.values(ACCOUNT_IDS).sort());
    for (const u of upcoming) {
      const expiresAt = Date.parse((await rt.accounts.get(u.account_id))!.context.oauth!.token.expires_at!);
      const lead = expiresAt - Date.parse(u.at);
      expect(lead).toBeGreaterThanOrEqual(60_000);
      expect(lead).toBeLessThanOrEqual(180_000);
    }
  });
});

describe('Streamable HTTP against the fakes', () => {
  it.each(['hubspot', 'salesforce'] as const)('%s throttles: rate_limited with retry_after_seconds, exactly one provider request, nothing retried', async (kind) => {
    const client = await httpClient(kind);
    const fake = fakeOf(kind);
    if (kind === 'hubspot') crms.sb.hubspot.limiter.config.max = 0;
    else crms.sb.salesforce.usage.setUsed(crms.sb.salesforce.usage.limit);
    const before = fake.log.entries.length;
    try {
      const res = (await client.callTool({ name: 'list_contacts', arguments: { limit: 2 } })) as CallToolResult;
      expect(fake.log.entries.length - before, JSON.stringify(fake.log.entries.slice(before))).toBe(1);
      expect(fake.log.entries.at(-1)?.status).toBe(kind === 'hubspot' ? 429 : 403);
      expect(res.isError).toBe(true);
      const error = structured(res).error as { code: string; retry_after_seconds: number };
      expect(error.code).toBe('rate_limited');
      expect(error.retry_after_seconds).toBeGreaterThan(0);
      expect(res._meta?.['retry-after']).toBe(String(error.retry_after_seconds));
      expect((res.content as Array<{ text: string }>)[0]!.text).toContain(`retry_after_seconds: ${error.retry_after_seconds}`);
    } finally {
      if (kind === 'hubspot') {
        crms.sb.hubspot.limiter.config.max = 100;
        crms.sb.hubspot.limiter.reset();
      } else crms.sb.salesforce.usage.setUsed(0);
      await client.close();
    }
  });

  it.each(['hubspot', 'salesforce'] as const)('%s: fields picks unified fields; include_remote_data adds the raw record', async (kind) => {
    const client = await httpClient(kind);
    const page = structured(await client.callTool({ name: 'list_contacts', arguments: { limit: 1, fields: ['first_name'] } }));
    const [row] = page.contacts as Array<Record<string, unknown>>;
    expect(Object.keys(row!).sort()).toEqual(['first_name', 'id']);
    const full = structured(await client.callTool({ name: 'get_contact', arguments: { id: row!.id, include_remote_data: true } }));
    expect((full.contact as { remote_data?: Record<string, unknown> }).remote_data).toEqual(expect.objectContaining(kind === 'hubspot' ? { id: row!.id } : { Id: row!.id }));
    await client.close();
  });

  it('a provider 5xx is provider_unavailable; a token endpoint failing transiently during refresh is transient_auth', async () => {
    // The nodeals account (own grant on the HubSpot fake): the refresh backoff this leaves must not touch the others.
    const client = await httpClient('nodeals');
    const hs = crms.sb.hubspot;
    try {
      hs.oauth.faults.inject({ kind: 'status500' }, { scope: 'api', count: 1 });
      const before = hs.log.entries.length;
      const down = (await client.callTool({ name: 'list_companies', arguments: {} })) as CallToolResult;
      expect(down.isError).toBe(true);
      expect((structured(down).error as { code: string }).code).toBe('provider_unavailable');
      expect(hs.log.entries.length - before).toBe(1);
      hs.oauth.expireAllAccessTokens();
      hs.oauth.faults.inject({ kind: 'status500' }, { scope: 'token', count: 1 });
      const auth = (await client.callTool({ name: 'list_companies', arguments: {} })) as CallToolResult;
      expect(auth.isError).toBe(true);
      expect((structured(auth).error as { code: string }).code).toBe('transient_auth');
    } finally {
      hs.oauth.faults.clear();
      await client.close();
    }
  });

  it("a provider validation error is a validation result with the provider's message and field", async () => {
    const client = await httpClient('salesforce');
    const res = (await client.callTool({ name: 'create_deal', arguments: { name: 'No stage' } })) as CallToolResult;
    expect(res.isError).toBe(true);
    expect(structured(res).error).toMatchObject({ code: 'validation', message: 'Required fields are missing: [StageName, CloseDate]', fields: ['stage', 'close_date'], provider_code: 'REQUIRED_FIELD_MISSING', status: 400 });
    await client.close();
  });

  it.each(['hubspot', 'salesforce'] as const)('%s: update_deal with a stage the CRM does not have is a validation result naming stage; the deal is unchanged', async (kind) => {
    const client = await httpClient(kind);
    const deals = structured(await client.callTool({ name: 'list_deals', arguments: { limit: 1 } })).deals as Array<{ id: string; stage: string }>;
    const deal = deals[0]!;
    const bad = kind === 'hubspot' ? 'Closed Won' : 'Won Big';
    const res = (await client.callTool({ name: 'update_deal', arguments: { id: deal.id, stage: bad } })) as CallToolResult;
    expect(res.isError).toBe(true);
    expect(structured(res).error).toMatchObject({
      code: 'validation', fields: ['stage'], status: 400,
      provider_code: kind === 'hubspot' ? 'INVALID_OPTION' : 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
      message: kind === 'hubspot' ? expect.stringMatching(/^Closed Won was not one of the allowed options/) : 'Stage: bad value for restricted picklist field: Won Big',
    });
    const after = structured(await client.callTool({ name: 'get_deal', arguments: { id: deal.id } })).deal as { stage: string };
    expect(after.stage).toBe(deal.stage);
    await client.close();
  });

  it('a plain-JSON answer carries the ratelimit-* headers of the provider call it made', async () => {
    const res = await mcpPost(mcpUrl, LIST_CALL, { authorization: `Bearer ${tokenFor.hubspot}` });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    const body = (await res.json()) as { result: { structuredContent: { rate_limit: { limit: number; remaining: number } } } };
    expect(res.headers.get('ratelimit-limit')).toBe('100');
    expect(res.headers.get('ratelimit-remaining')).toBe(String(body.result.structuredContent.rate_limit.remaining));
  });

  it('an expired access token is refreshed once by the token manager, through the fake token endpoint', async () => {
    const client = await httpClient('hubspot');
    const oauth = crms.sb.hubspot.oauth;
    oauth.expireAllAccessTokens();
    const before = oauth.stats.tokenRequests;
    const res = (await client.callTool({ name: 'list_contacts', arguments: { limit: 1 } })) as CallToolResult;
    expect(res.isError, JSON.stringify(res.content)).toBeFalsy();
    expect(oauth.stats.tokenRequests - before).toBe(1);
    await client.close();
  });

  it.each(['hubspot', 'salesforce'] as const)('%s account in needs_reauth: tools still listed, calls answered needs_reauth without touching the provider', async (kind) => {
    const client = await httpClient(kind);
    await rt.accounts.update(ACCOUNT_IDS[kind], (a) => ({ ...a, status: 'needs_reauth' }));
    try {
      expect((await client.listTools()).tools).toHaveLength(14);
      const before = fakeOf(kind).log.entries.length;
      for (const [name, args] of [['list_contacts', {}], ['get_deal', { id: '1' }], ['log_note', { body: 'x', contact_ids: ['1'] }]] as const) {
        const res = (await client.callTool({ name, arguments: args })) as CallToolResult;
        expect(res.isError).toBe(true);
        expect((structured(res).error as { code: string }).code).toBe('needs_reauth');
      }
      expect(fakeOf(kind).log.entries.length).toBe(before);
    } finally {
      await rt.accounts.update(ACCOUNT_IDS[kind], (a) => ({ ...a, status: 'active' }));
      await client.close();
    }
  });

  it("tenant isolation: tenant A's token cannot reach tenant B's Salesforce account (403), and the provider sees nothing", async () => {
    const before = crms.sb.salesforce.log.entries.length;
    const res = await mcpPost(new URL('/accounts/acct-salesforce/mcp', mcpUrl).href, LIST_CALL, { authorization: `Bearer ${tokenFor.hubspot}` });
    expect(res.status).toBe(403);
    const own = await mcpPost(new URL('/accounts/acct-salesforce/mcp', mcpUrl).href, LIST_CALL, { authorization: `Bearer ${tokenFor.salesforce}` });
    expect(own.status).toBe(200);
    expect(crms.sb.salesforce.log.entries.length, JSON.stringify(crms.sb.salesforce.log.entries.slice(before))).toBe(before + 1);
  });
});

describe('access tokens from the tokens command against the running server', () => {
  it('a new token works at once; after `tokens revoke` it gets 401; an unknown one gets 401', async () => {
    const out: string[] = [];
    expect(await tokensCmd(['create', '--tenant', 'tenant-a', '--account', ACCOUNT_IDS.hubspot, '--json'], captureIo(httpEnv, out), open)).toBe(0);
    const { token, id } = JSON.parse(out.join('')) as { token: string; id: string };
    const auth = { authorization: `Bearer ${token}` };
    expect((await mcpPost(mcpUrl, LIST_CALL, auth)).status).toBe(200);
    expect(await tokensCmd(['revoke', id], captureIo(httpEnv), open)).toBe(0);
    const revoked = await mcpPost(mcpUrl, LIST_CALL, auth);
    expect(revoked.status).toBe(401);
    expect(revoked.headers.get('www-authenticate')).toContain('error="invalid_token"');
    const unknown = await mcpPost(mcpUrl, LIST_CALL, { authorization: `Bearer ${token.slice(0, -4)}AAAA` });
    expect(unknown.status).toBe(401);
  });
});

describe('a grant revoked at the provider', () => {
  it('the call that finds out answers needs_reauth; the account is needs_reauth in the store and later calls never reach the provider', async () => {
    const client = await httpClient('salesforce');
    const sf = crms.sb.salesforce;
    const account = (await rt.accounts.get(ACCOUNT_IDS.salesforce))!;
    expect(sf.oauth.revokeGrant(account.context.oauth!.token.refresh_token!)).toBe(true);
    const res = (await client.callTool({ name: 'list_contacts', arguments: {} })) as CallToolResult;
    expect(res.isError).toBe(true);
    expect((structured(res).error as { code: string }).code).toBe('needs_reauth');
    expect((await rt.accounts.get(ACCOUNT_IDS.salesforce))?.status).toBe('needs_reauth');
    const before = sf.log.entries.length;
    expect((structured(await client.callTool({ name: 'get_contact', arguments: { id: '1' } })).error as { code: string }).code).toBe('needs_reauth');
    expect(sf.log.entries.length).toBe(before);
    await client.close();
  });
});

describe('secrets', () => {
  it('no token, refresh token, client secret or key appears in any log line (stderr of serve and stdio)', () => {
    const all = logs.join('');
    expect(all.length).toBeGreaterThan(0);
    for (const s of crms.secrets) expect(all).not.toContain(s);
  });
});
