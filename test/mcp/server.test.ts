import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport } from '@modelcontextprotocol/client';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import type { LinkedAccount } from '../../src/accounts/model.js';
import { systemClock, cryptoRandom } from '../../src/core/deps.js';
import { CrmMcpError } from '../../src/core/errors.js';
import { createMemoryLogger } from '../helpers/logger.js';
import { createServer, type CreateServerOptions } from '../../src/mcp/server.js';
import { testAccount } from './helpers/accounts.js';
import { exerciseAllTools } from './helpers/exercise.js';
import { createMemoryEngine, type MemoryEngine } from './helpers/memory-engine.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function connect(engine: MemoryEngine, over: Partial<CreateServerOptions> = {}) {
  const logger = createMemoryLogger();
  const built = await createServer({ account: testAccount(), engine, deps: { clock: systemClock, random: cryptoRandom, logger }, ...over });
  const [a, b] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'test', version: '1' });
  await built.server.connect(a);
  await client.connect(b);
  cleanups.push(async () => {
    await client.close();
    await built.cleanup();
  });
  return { client, logger, built };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test reads loosely shaped JSON
const structured = (r: unknown) => (r as CallToolResult).structuredContent as Record<string, any>;

describe('createServer', () => {
  it('lists every unified tool with annotations and a description naming the CRM', async () => {
    const { client } = await connect(createMemoryEngine());
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(
      ['create_contact', 'create_deal', 'describe_crm', 'get_company', 'get_contact', 'get_deal', 'list_companies', 'list_contacts', 'list_deals', 'list_notes', 'log_note', 'search_contacts', 'update_contact', 'update_deal'].sort(),
    );
    for (const t of tools) {
      expect(t.description).toContain('HubSpot');
      expect(t.annotations?.openWorldHint).toBe(true);
      expect(t.annotations?.destructiveHint).toBe(false);
      expect(t.outputSchema).toBeDefined();
      expect(t.inputSchema.additionalProperties).toBe(false);
      if (/^(list|get|search)_/.test(t.name)) expect(t.annotations?.readOnlyHint).toBe(true);
      if (t.name.startsWith('update_')) expect(t.annotations?.idempotentHint).toBe(true);
    }
  });

  it('descriptions come from the definition: display_name as given, only tools this server has, required fields of this CRM only', async () => {
    const engine = createMemoryEngine();
    const all = await engine.capabilities(testAccount());
    // A CRM without search and without contact updates, whose deals need a name and a stage.
    engine.capabilities = async () =>
      all.filter((c) => c.method !== 'search' && !(c.resource === 'contacts' && c.method === 'update')).map((c) => (c.resource === 'deals' && c.method === 'create' ? { ...c, required: ['name', 'stage'] } : c));
    const { client } = await connect(engine, { crmName: 'Acme CRM' });
    const { tools } = await client.listTools();
    const text = tools.map((t) => `${t.name}: ${t.description}`).join('\n');
    expect(text).not.toContain('Acme CRM CRM');
    expect(text).not.toMatch(/search_contacts|update_contact\b|Salesforce|HubSpot/);
    for (const t of tools) expect(t.description).toContain('Acme CRM');
    const createDeal = tools.find((t) => t.name === 'create_deal')?.description ?? '';
    expect(createDeal).toContain('Acme CRM requires name and stage.');
    expect(createDeal).toContain('To change an existing deal use update_deal.');
    expect(tools.find((t) => t.name === 'get_contact')?.description).toContain('(from list_contacts)');

    const full = await connect(createMemoryEngine(), { crmName: 'Salesforce' });
    const fullTools = (await full.client.listTools()).tools;
    expect(fullTools.find((t) => t.name === 'get_contact')?.description).toContain('(from list_contacts or search_contacts)');
    expect(fullTools.find((t) => t.name === 'create_deal')?.description).not.toContain('requires');
  });

  it('registers no deal tools for an integration without deals', async () => {
    const { client } = await connect(createMemoryEngine({ without: ['deals'] }));
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names.filter((n) => n.includes('deal'))).toEqual([]);
    expect(names).toContain('list_contacts');
  });

  it('runs every tool; structured output matches the declared schema and carries rate limits', async () => {
    const engine = createMemoryEngine();
    const { client } = await connect(engine);
    const results = await exerciseAllTools(client);
    const list = results.list_contacts!;
    expect(structured(list).rate_limit).toEqual({ limit: 100, remaining: 97, reset_seconds: 9 });
    expect(list._meta).toMatchObject({ 'ratelimit-limit': '100', 'ratelimit-remaining': '97', 'ratelimit-reset': '9' });
    expect(list._meta?.['retry-after']).toBeUndefined();
    const text = (list.content as Array<{ text: string }>)[0]!.text;
    expect(text.split('\n')).toEqual([
      '2 contacts from HubSpot. More available: pass next_cursor "2" as cursor. Rate limit: 97/100 remaining, resets in 9s.',
      '- First1 Doe <p1@example.com> (id 1)',
      '- First2 Doe <p2@example.com> (id 2)',
    ]);
    expect(engine.calls.find((c) => c.method === 'update' && c.resource === 'deals')?.input).toEqual({ amount: 2000 });
  });

  it('pages with limit/cursor and passes fields and include_remote_data to the engine', async () => {
    const engine = createMemoryEngine();
    const { client } = await connect(engine);
    const ids: unknown[] = [];
    let cursor: string | undefined;
    do {
      const r = structured(await client.callTool({ name: 'list_contacts', arguments: { limit: 2, ...(cursor ? { cursor } : {}) } }));
      ids.push(...r.contacts.map((c: { id: string }) => c.id));
      cursor = r.next_cursor ?? undefined;
    } while (cursor);
    expect(ids).toEqual(['1', '2', '3', '4', '5']);
    const r = structured(await client.callTool({ name: 'get_contact', arguments: { id: '1', fields: ['first_name'] } }));
    expect(r.contact).toEqual({ id: '1', first_name: 'First1' });
    await client.callTool({ name: 'get_contact', arguments: { id: '1', include_remote_data: true } });
    expect(engine.calls.at(-1)).toMatchObject({ id: '1', includeRemoteData: true });
  });

  it('maps rate_limited to an isError result with retry_after_seconds and retry-after meta', async () => {
    const engine = createMemoryEngine();
    const { client } = await connect(engine);
    engine.failNext = {
      ok: false,
      error: { code: 'rate_limited', message: 'HubSpot rate limit reached', status: 429, retry_after_seconds: 7 },
      rate_limit: { limit: 100, remaining: 0, reset_seconds: 7, retry_after_seconds: 7 },
      provider_requests: 1,
    };
    const res = (await client.callTool({ name: 'list_contacts', arguments: {} })) as CallToolResult;
    expect(res.isError).toBe(true);
    expect(structured(res).error).toMatchObject({ code: 'rate_limited', retry_after_seconds: 7, status: 429 });
    expect(res._meta).toMatchObject({ 'retry-after': '7', 'ratelimit-remaining': '0' });
    expect((res.content as Array<{ text: string }>)[0]!.text).toContain('retry_after_seconds: 7');
  });

  it('maps validation errors with the provider message and field', async () => {
    const engine = createMemoryEngine();
    const { client } = await connect(engine);
    engine.failNext = {
      ok: false,
      error: { code: 'validation', message: 'Property values were not valid: email', fields: ['emails'], provider_code: 'VALIDATION_ERROR', status: 400 },
      rate_limit: null,
      provider_requests: 1,
    };
    const res = structured(await client.callTool({ name: 'create_contact', arguments: { first_name: 'X' } }));
    expect(res.error).toMatchObject({ code: 'validation', fields: ['emails'], provider_code: 'VALIDATION_ERROR' });
    expect(res.rate_limit).toEqual({ limit: null, remaining: null, reset_seconds: null });
  });

  it('needs_reauth account: tools still listed, calls refused without touching the engine, reconnect link shown', async () => {
    const engine = createMemoryEngine();
    let current: LinkedAccount = testAccount();
    const { client } = await connect(engine, { loadAccount: async () => current, reconnectUrl: 'https://app.example/reconnect/{account}' });
    expect((await client.callTool({ name: 'list_contacts', arguments: {} })).isError).toBeFalsy();
    current = { ...current, status: 'needs_reauth' };
    expect((await client.listTools()).tools.length).toBe(14);
    const before = engine.calls.length;
    for (const [name, args] of [
      ['list_contacts', {}],
      ['get_deal', { id: 'd1' }],
      ['log_note', { body: 'x', contact_ids: ['1'] }],
    ] as const) {
      const res = (await client.callTool({ name, arguments: args })) as CallToolResult;
      expect(res.isError).toBe(true);
      expect(structured(res).error).toEqual({
        code: 'needs_reauth',
        message: "the hubspot connection for account 'acct-1' needs to be re-authorized",
        reconnect_url: 'https://app.example/reconnect/acct-1',
      });
    }
    expect(engine.calls.length).toBe(before);
    current = { ...current, status: 'active' };
    expect((await client.callTool({ name: 'list_contacts', arguments: {} })).isError).toBeFalsy();
  });

  it('an unexpected exception becomes a generic internal error: no stack, no secret', async () => {
    const engine = createMemoryEngine();
    const { client, logger } = await connect(engine);
    engine.throwNext = new Error('boom with Bearer at-SECRET-123456 at /work/main/src/x.ts:1:1');
    const res = (await client.callTool({ name: 'list_contacts', arguments: {} })) as CallToolResult;
    expect(res.isError).toBe(true);
    expect(structured(res).error.code).toBe('internal');
    expect(JSON.stringify(res)).not.toMatch(/SECRET|\.ts:\d|at \//);
    expect(logger.lines.join('\n')).not.toContain('at-SECRET-123456');
    engine.throwNext = new CrmMcpError('transient_auth', 'refresh failed transiently');
    expect(structured(await client.callTool({ name: 'list_contacts', arguments: {} })).error.code).toBe('transient_auth');
  });
});
