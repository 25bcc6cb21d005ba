/**
 * The HTTP fast path (src/http/fast-call.ts) answers a tools/call exactly as the SDK path does.
 * Each request is sent twice to one `serve` app over the real engine and the HubSpot fake: once as
 * the fast path takes it, once with one innocuous difference that makes it decline (2026-07-28: a
 * `traceparent` in the envelope; 2025-era: an Mcp-Session-Id header, which a stateless server ignores).
 * Which path answered shows on the wire: the fast path writes the body once (content-length), the
 * SDK path streams its web Response (chunked).
 */
import { TRACEPARENT_META_KEY } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cryptoRandom } from '../../src/core/deps.js';
import { startHttpServer, type RunningHttpServer } from '../../src/http/server.js';
import { silentLogger } from '../engine/helpers/accounts.js';
import { startSandboxRig, type SandboxRig } from '../engine/helpers/sandbox-rig.js';
import { rawPost } from './helpers.js';

const ACCOUNT = 'acct-hubspot';
const CLIENT_META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'fast-path-test', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

let rig: SandboxRig;
let srv: RunningHttpServer;
let nextId = 1;

beforeAll(async () => {
  rig = await startSandboxRig({ sandboxes: { hubspot: { rateLimit: { searchPerSecond: false, max: 10_000 } } } });
  await rig.addAccount('hubspot');
  srv = await startHttpServer({
    port: 0,
    engine: rig.engine,
    deps: { clock: rig.clock, random: cryptoRandom, logger: silentLogger(rig.logs) },
    accounts: rig.store,
    auth: { mode: 'none', accountId: ACCOUNT },
  });
});
afterAll(async () => {
  await srv?.close();
  await rig?.close();
});

type Era = 'modern' | 'legacy';
interface Answer {
  status: number;
  fast: boolean;
  headers: Record<string, string | undefined>;
  message: Record<string, unknown>;
}

async function send(era: Era, path: 'fast' | 'sdk', name: string, args: Record<string, unknown> | undefined, legacyVersion = '2025-11-25'): Promise<Answer> {
  const id = nextId++;
  const params: Record<string, unknown> = { name, ...(args ? { arguments: args } : {}) };
  let headers: Record<string, string>;
  if (era === 'modern') {
    headers = { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': name };
    params._meta = path === 'fast' ? CLIENT_META : { ...CLIENT_META, [TRACEPARENT_META_KEY]: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
  } else {
    headers = { 'mcp-protocol-version': legacyVersion, ...(path === 'sdk' ? { 'mcp-session-id': 'ignored-when-stateless' } : {}) };
  }
  const res = await rawPost(`${srv.url}/mcp`, { jsonrpc: '2.0', id, method: 'tools/call', params }, headers);
  const message = JSON.parse(res.body) as Record<string, unknown>;
  expect(message.id).toBe(id);
  const pick = (h: string) => res.headers[h] as string | undefined;
  return {
    status: res.status,
    fast: res.headers['content-length'] !== undefined,
    headers: Object.fromEntries(['content-type', 'ratelimit', 'ratelimit-policy', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'retry-after'].map((h) => [h, pick(h)])),
    message: { ...message, id: 0 },
  };
}

/** What moves from one call to the next: the provider's remaining quota (each call spends one) and sealed cursors' nonces. */
const steady = (v: unknown): unknown =>
  JSON.parse(
    JSON.stringify(v)
      .replace(/c1\.k1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g, '<cursor>')
      .replace(/;r=\d+/g, ';r=0')
      .replace(/(remaining\\?":\\?"?)\d+/g, '$10')
      .replace(/\d+\/(\d+) remaining/g, '0/$1 remaining'),
  );

async function both(era: Era, name: string, args: Record<string, unknown> | undefined, before?: () => void, legacyVersion?: string) {
  before?.();
  const fast = await send(era, 'fast', name, args, legacyVersion);
  before?.();
  const sdk = await send(era, 'sdk', name, args, legacyVersion);
  expect(sdk.fast, `${name}: the variant goes through the SDK`).toBe(false);
  expect(steady({ ...fast, fast: undefined }), `${era} ${name}`).toEqual(steady({ ...sdk, fast: undefined }));
  return fast;
}

const result = (a: Answer) => a.message.result as { isError?: boolean; structuredContent?: Record<string, unknown> } | undefined;

describe('the HTTP fast path answers tools/call as the SDK path does', () => {
  for (const era of ['modern', 'legacy'] as const) {
    it(`${era}: every unified tool (writes as dry runs) is taken by the fast path, with identical results and headers; describe_crm is left to the SDK`, async () => {
      const list = await both(era, 'list_contacts', { limit: 2 });
      expect(list.fast).toBe(true);
      const contact = (result(list)!.structuredContent!.contacts as Array<{ id: string }>)[0]!.id;
      const company = (result(await both(era, 'list_companies', { limit: 1 }))!.structuredContent!.companies as Array<{ id: string }>)[0]!.id;
      const deal = (result(await both(era, 'list_deals', { limit: 1 }))!.structuredContent!.deals as Array<{ id: string }>)[0]!.id;
      const calls: Array<[string, Record<string, unknown> | undefined]> = [
        ['list_contacts', { limit: 3, response_format: 'detailed', fields: ['first_name', 'emails'] }],
        ['list_contacts', undefined],
        ['search_contacts', { query: 'a', limit: 2 }],
        ['get_contact', { id: contact, include_remote_data: true }],
        ['create_contact', { first_name: 'Ada', emails: [{ value: 'ada@example.com' }], dry_run: true }],
        ['update_contact', { id: contact, title: 'CTO', dry_run: true }],
        ['get_company', { id: company }],
        ['get_deal', { id: deal }],
        ['create_deal', { name: 'New', amount: 10, dry_run: true }],
        ['update_deal', { id: deal, stage: 'closedwon', dry_run: true }],
        ['log_note', { body: 'Called them', contact_ids: [contact], dry_run: true }],
        ['list_notes', {}],
      ];
      for (const [name, args] of calls) {
        const a = await both(era, name, args);
        expect(a.fast, `${name} taken by the fast path`).toBe(true);
        expect(result(a)?.isError, `${name}: ${JSON.stringify(result(a))}`).toBeFalsy();
      }
      // Not a unified tool (and its second call answers from the discovery cache): the SDK serves it.
      expect((await send(era, 'fast', 'describe_crm', {})).fast).toBe(false);
    });

    it(`${era}: a provider 429, an unknown id and a provider error give the same error results and rate-limit headers`, async () => {
      const limited = await both(era, 'list_contacts', { limit: 2 }, () => rig.sb.hubspot.oauth.faults.inject({ kind: 'rate_limited', retryAfterSeconds: 7 }, { scope: 'api' }));
      expect(limited.fast).toBe(true);
      expect(result(limited)).toMatchObject({ isError: true, structuredContent: { error: { code: 'rate_limited', retry_after_seconds: 7 } } });
      expect(limited.headers['retry-after']).toBe('7');
      const missing = await both(era, 'get_contact', { id: '999999999' });
      expect(missing.fast).toBe(true);
      expect(result(missing)).toMatchObject({ isError: true, structuredContent: { error: { code: 'not_found' } } });
      const down = await both(era, 'get_deal', { id: '1' }, () => rig.sb.hubspot.oauth.faults.inject({ kind: 'status500' }, { scope: 'api' }));
      expect(result(down)?.isError).toBe(true);
    });

    it(`${era}: invalid arguments and unknown tools are left to the SDK, which answers them as before`, async () => {
      for (const [name, args] of [
        ['list_contacts', { limit: 'many' }],
        ['list_contacts', { nope: 1 }],
        ['get_contact', {}],
        ['no_such_tool', {}],
      ] as const) {
        const a = await both(era, name, args);
        expect(a.fast, `${name} ${JSON.stringify(args)}`).toBe(false);
        expect(JSON.stringify(a.message)).toMatch(/error|isError/);
      }
    });
  }

  it('every 2025-era revision the SDK serves statelessly gets the same answer from both paths', async () => {
    for (const version of ['2025-11-25', '2025-06-18', '2025-03-26']) {
      const list = await both('legacy', 'list_contacts', { limit: 2 }, undefined, version);
      expect(list.fast, version).toBe(true);
      expect((await both('legacy', 'get_contact', { id: '999999999' }, undefined, version)).fast, version).toBe(true);
    }
  });

  it('an account that is not active is left to the SDK (its needs_reauth answer)', async () => {
    const account = (await rig.store.get(ACCOUNT))!;
    await rig.store.put({ ...account, status: 'needs_reauth' });
    try {
      for (const era of ['modern', 'legacy'] as const) {
        const a = await send(era, 'fast', 'list_contacts', { limit: 1 });
        expect(a.fast).toBe(false);
        expect(result(a)).toMatchObject({ isError: true, structuredContent: { error: { code: 'needs_reauth' } } });
      }
    } finally {
      await rig.store.put(account);
    }
  });

  it("an override edit changes the fast path's schemas as it changes the SDK path's: a typed custom field is checked by the account's current schema", async () => {
    const account = (await rig.store.get(ACCOUNT))!;
    const args = (tier: unknown) => ({ last_name: 'Typed', custom_fields: { hs_tier: tier }, dry_run: true });
    const untyped = await both('modern', 'create_contact', args(3));
    expect(untyped.fast, 'without the override custom_fields is an open record').toBe(true);
    expect(result(untyped)?.isError).toBeFalsy();
    await rig.store.put({ ...account, unified_model_override: { contacts: { custom_fields: { tier: { field: 'hs_tier', expr: 'hs_tier', type: 'string' } } } } });
    try {
      for (const era of ['modern', 'legacy'] as const) {
        const typed = await both(era, 'create_contact', args('Gold'));
        expect(typed.fast).toBe(true);
        expect(JSON.stringify(result(typed)?.structuredContent)).toContain('"hs_tier":"Gold"');
        const wrong = await both(era, 'create_contact', args(3));
        expect(wrong.fast, 'a number where the override says string: the SDK answers').toBe(false);
      }
    } finally {
      await rig.store.put(account);
    }
  });
});
