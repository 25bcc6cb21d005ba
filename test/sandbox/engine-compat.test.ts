/**
 * The fakes are faithful enough for the product: the real engine and the real definitions in
 * integrations/ run every resource/method against them, including refresh on an expired token
 * mid-list and provider throttling (HubSpot 429, Salesforce 403).
 */
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LinkedAccount } from '../../src/accounts/model.js';
import { createEngine } from '../../src/engine/index.js';
import type { Engine, EngineResult } from '../../src/engine/types.js';
import { loadRegistry } from '../../src/integrations/index.js';
import { startSandboxes, type Sandboxes } from '../../src/sandbox/index.js';
import { account, silentLogger } from '../engine/helpers/accounts.js';
import { refreshingTokens, type RefreshingTokens } from '../engine/helpers/refresh-tokens.js';
import { manualClock } from './helpers/clock.js';

const registry = loadRegistry();
const dispatcher = new Agent();
const clock = manualClock();
let sb: Sandboxes;
const rigs = {} as Record<'hubspot' | 'salesforce', { engine: Engine; tokens: RefreshingTokens; acct: (id?: string) => LinkedAccount }>;

beforeAll(async () => {
  sb = await startSandboxes({ clock, hubspot: { rateLimit: { searchPerSecond: false } }, salesforce: { minQueryBatchSize: 1 } });
  for (const kind of ['hubspot', 'salesforce'] as const) {
    const g = sb.grants?.[kind];
    if (!g) throw new Error('no grant');
    const host = new URL(sb[kind].url).host;
    const mk = (over: Partial<LinkedAccount>) => account(kind, {
      ...over,
      context: { oauth: { token: { access_token: g.accessToken, refresh_token: g.refreshToken } }, ...(kind === 'salesforce' ? { instance_url: g.baseUrl } : {}) },
    });
    const tokens = refreshingTokens({
      def: registry.get(kind), tokenUrl: g.tokenUrl, clientId: g.clientId, clientSecret: g.clientSecret, dispatcher, extraAllowedHosts: [host],
      accounts: [mk({}), mk({ id: 'second', ...(kind === 'salesforce' ? { unified_model_override: { contacts: { custom_fields: { tier: { field: 'Custom_Tier__c', expr: 'Custom_Tier__c' } } } } } : {}) })],
    });
    const engine = createEngine({ registry, tokens, deps: { clock, logger: silentLogger(), dispatcher }, envOverrides: { test: { hubspot: { base_url: sb.hubspot.url } } }, extraAllowedHosts: [host] });
    rigs[kind] = { engine, tokens, acct: (id = `acct-${kind}`) => tokens.accounts.get(id) as LinkedAccount };
  }
});
afterAll(async () => {
  await sb.close();
  await dispatcher.close();
});

function ok(r: EngineResult): Extract<EngineResult, { ok: true }> {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r;
}

for (const kind of ['hubspot', 'salesforce'] as const) {
  describe(`real engine + definitions against the ${kind} sandbox`, () => {
    it('lists every contact across pages; an access token expiring mid-list costs exactly one refresh', async () => {
      const r = rigs[kind];
      const fake = sb[kind];
      const ids: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      const tokenBefore = fake.oauth.stats.tokenRequests;
      do {
        if (pages === 1) fake.oauth.expireAllAccessTokens();
        const page = ok(await r.engine.execute({ account: r.acct(), resource: 'contacts', method: 'list', limit: 100, ...(cursor ? { cursor } : {}) }));
        ids.push(...(page.data as Array<{ id: string }>).map((c) => c.id));
        cursor = page.next_cursor ?? undefined;
        pages += 1;
        expect(page.rate_limit?.limit).toBe(kind === 'hubspot' ? 100 : 15000);
      } while (cursor && pages < 20);
      expect(new Set(ids).size).toBe(250);
      expect(pages).toBeGreaterThanOrEqual(3);
      expect(fake.oauth.stats.tokenRequests - tokenBefore).toBe(1);
    });

    it('gets, updates a deal and reads it back; creates a note linked to it and lists it', async () => {
      const r = rigs[kind];
      const deals = ok(await r.engine.execute({ account: r.acct(), resource: 'deals', method: 'list', limit: 5 }));
      const deal = (deals.data as Array<{ id: string; name: string }>)[0];
      if (!deal) throw new Error('no deal');
      const stage = kind === 'hubspot' ? 'closedwon' : 'Closed Won';
      ok(await r.engine.execute({ account: r.acct(), resource: 'deals', method: 'update', id: deal.id, input: { stage, amount: 2500 } }));
      const got = ok(await r.engine.execute({ account: r.acct(), resource: 'deals', method: 'get', id: deal.id }));
      expect(got.data).toMatchObject({ id: deal.id, stage, amount: 2500, name: deal.name });
      const note = ok(await r.engine.execute({ account: r.acct(), resource: 'notes', method: 'create', input: { body: 'Discussed renewal', deal_ids: [deal.id] } }));
      expect(note.data).toMatchObject({ deal_ids: [deal.id] });
      const noteId = (note.data as { id: string }).id;
      let found = false;
      let cursor: string | undefined;
      do {
        const page = ok(await r.engine.execute({ account: r.acct(), resource: 'notes', method: 'list', limit: 100, ...(cursor ? { cursor } : {}) }));
        found ||= (page.data as Array<{ id: string }>).some((n) => n.id === noteId);
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
      expect(found).toBe(true);
    });

    it('creates a contact and finds it again by search', async () => {
      const r = rigs[kind];
      const c = ok(await r.engine.execute({ account: r.acct(), resource: 'contacts', method: 'create', input: { first_name: 'Zed', last_name: 'Quimby', emails: [{ value: 'zed.quimby@example.org' }] } }));
      const id = (c.data as { id: string }).id;
      const s = ok(await r.engine.execute({ account: r.acct(), resource: 'contacts', method: 'search', input: { query: 'quimby' } }));
      expect((s.data as Array<{ id: string }>).map((x) => x.id)).toEqual([id]);
    });

    it('throttling is a typed rate_limited result and the fake saw exactly one request', async () => {
      const r = rigs[kind];
      const fake = sb[kind];
      if (kind === 'hubspot') sb.hubspot.limiter.config.max = 0;
      else sb.salesforce.usage.setUsed(sb.salesforce.usage.limit);
      const before = fake.log.entries.length;
      const res = await r.engine.execute({ account: r.acct(), resource: 'contacts', method: 'list' });
      if (kind === 'hubspot') sb.hubspot.limiter.config.max = 100;
      else sb.salesforce.usage.setUsed(0);
      expect(res.ok).toBe(false);
      if (res.ok) return;
      expect(res.error.code).toBe('rate_limited');
      expect(fake.log.entries.length - before).toBe(1);
      expect(fake.log.entries.at(-1)?.status).toBe(kind === 'hubspot' ? 429 : 403);
    });
  });
}

it('an account-level override reads Salesforce Custom_Tier__c for that account only', async () => {
  const r = rigs.salesforce;
  const tiered = ok(await r.engine.execute({ account: r.acct('second'), resource: 'contacts', method: 'list', limit: 6 })).data as Array<{ custom_fields?: Record<string, unknown> }>;
  const plain = ok(await r.engine.execute({ account: r.acct(), resource: 'contacts', method: 'list', limit: 6 })).data as Array<Record<string, unknown>>;
  expect(tiered.some((c) => typeof c.custom_fields?.tier === 'string')).toBe(true);
  expect(tiered.some((c) => c.custom_fields?.tier === null)).toBe(true);
  expect(plain.every((c) => !('custom_fields' in c))).toBe(true);
});
