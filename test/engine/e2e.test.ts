/**
 * End to end: the real engine, real definitions, a TokenProvider doing real refresh_token
 * grants over HTTP, against loopback HubSpot and Salesforce fakes.
 */
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LinkedAccount } from '../../src/accounts/model.js';
import { createEngine } from '../../src/engine/index.js';
import type { Engine, EngineResult } from '../../src/engine/types.js';
import { loadRegistry } from '../../src/integrations/index.js';
import { account, fixedClock, silentLogger } from './helpers/accounts.js';
import { startMiniHubSpot, startMiniSalesforce, type MiniFake } from './helpers/mini-fakes.js';
import { refreshingTokens, type RefreshingTokens } from './helpers/refresh-tokens.js';

const registry = loadRegistry();
const dispatcher = new Agent();
afterAll(() => dispatcher.close());

interface Rig {
  fake: MiniFake;
  engine: Engine;
  tokens: RefreshingTokens;
  acct: (id?: string) => LinkedAccount;
}

async function rig(kind: 'hubspot' | 'salesforce', extraAccounts: Array<Partial<LinkedAccount>> = []): Promise<Rig> {
  const fake = kind === 'hubspot' ? await startMiniHubSpot() : await startMiniSalesforce();
  const mk = (over: Partial<LinkedAccount>) =>
    account(kind, {
      ...over,
      context: {
        oauth: { token: { access_token: fake.issueAccessToken(), refresh_token: fake.refreshToken } },
        ...(kind === 'salesforce' ? { instance_url: fake.url } : {}),
      },
    });
  const accounts = [mk({}), ...extraAccounts.map(mk)];
  const tokens = refreshingTokens({
    def: registry.get(kind),
    tokenUrl: `${fake.url}${kind === 'hubspot' ? '/oauth/v3/token' : '/services/oauth2/token'}`,
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
    dispatcher,
    extraAllowedHosts: [fake.host],
    accounts,
  });
  const engine = createEngine({
    registry,
    tokens,
    deps: { clock: fixedClock, logger: silentLogger(), dispatcher },
    envOverrides: { test: { hubspot: { base_url: fake.url } } },
    extraAllowedHosts: [fake.host],
  });
  return { fake, engine, tokens, acct: (id = `acct-${kind}`) => tokens.accounts.get(id) as LinkedAccount };
}

function ok(r: EngineResult): Extract<EngineResult, { ok: true }> {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r;
}

const DEAL_ID = { hubspot: '500', salesforce: '006000000000001AAA' } as const;

for (const kind of ['hubspot', 'salesforce'] as const) {
  describe(`e2e ${kind}`, () => {
    let r: Rig;
    beforeAll(async () => {
      r = await rig(kind, [{ id: 'second', ...(kind === 'salesforce' ? { unified_model_override: { contacts: { custom_fields: { tier: { field: 'Custom_Tier__c', expr: 'Custom_Tier__c' } } } } } : {}) }]);
    });
    afterAll(() => r.fake.close());

    it('lists all contacts across ≥ 3 pages; an access token expiring mid-list recovers with exactly one refresh', async () => {
      const ids: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      const refreshesBefore = r.tokens.refreshes;
      do {
        if (pages === 1) r.fake.expireAccessTokens();
        const page = ok(await r.engine.execute({ account: r.acct(), resource: 'contacts', method: 'list', limit: 3, ...(cursor ? { cursor } : {}) }));
        ids.push(...(page.data as Array<{ id: string }>).map((c) => c.id));
        cursor = page.next_cursor ?? undefined;
        if (pages === 1) expect(page.provider_requests).toBe(2);
        pages += 1;
        expect(page.rate_limit?.limit).toBe(kind === 'hubspot' ? 100 : 5000);
      } while (cursor);
      expect(pages).toBe(3);
      expect(new Set(ids).size).toBe(7);
      expect(r.tokens.refreshes - refreshesBefore).toBe(1);
      expect(r.fake.seen.filter((s) => s.path.includes('oauth')).length).toBe(1);
    });

    it('updates a deal and reads it back', async () => {
      const stage = kind === 'hubspot' ? 'closedwon' : 'Closed Won';
      const up = ok(await r.engine.execute({ account: r.acct(), resource: 'deals', method: 'update', id: DEAL_ID[kind], input: { stage, amount: 2500 } }));
      expect(up.data).toMatchObject({ id: DEAL_ID[kind], stage, amount: 2500 });
      const got = ok(await r.engine.execute({ account: r.acct(), resource: 'deals', method: 'get', id: DEAL_ID[kind] }));
      expect(got.data).toMatchObject({ stage, amount: 2500, name: 'Deal' });
    });

    it('creates a note linked to a deal and lists it', async () => {
      const created = ok(await r.engine.execute({ account: r.acct(), resource: 'notes', method: 'create', input: { body: 'Discussed renewal', deal_ids: [DEAL_ID[kind]] } }));
      expect(created.data).toMatchObject({ body: 'Discussed renewal', deal_ids: [DEAL_ID[kind]] });
      const listed = ok(await r.engine.execute({ account: r.acct(), resource: 'notes', method: 'list' }));
      expect(listed.data).toContainEqual(expect.objectContaining({ id: (created.data as { id: string }).id, deal_ids: [DEAL_ID[kind]] }));
    });

    it('a throttled response is a typed rate-limit result with retry-after; the fake saw exactly one request', async () => {
      r.fake.throttleNext();
      const before = r.fake.seen.length;
      const res = await r.engine.execute({ account: r.acct(), resource: 'contacts', method: 'list' });
      expect(res.ok).toBe(false);
      if (res.ok) return;
      expect(res.error.code).toBe('rate_limited');
      expect(res.error.retry_after_seconds).toBeGreaterThan(0);
      expect(res.rate_limit).toMatchObject({ remaining: 0, policy: kind === 'hubspot' ? 'TEN_SECONDLY_ROLLING' : 'daily' });
      expect(r.fake.seen.length - before).toBe(1);
      expect(res.provider_requests).toBe(1);
    });

    if (kind === 'salesforce') {
      it('an account-level override adds Custom_Tier__c for that account only', async () => {
        const withTier = ok(await r.engine.execute({ account: r.acct('second'), resource: 'contacts', method: 'list', limit: 10 }));
        const plain = ok(await r.engine.execute({ account: r.acct(), resource: 'contacts', method: 'list', limit: 10 }));
        const tiered = withTier.data as Array<{ id: string; custom_fields?: Record<string, unknown> }>;
        expect(tiered.find((c) => c.id.startsWith('003000000000000'))?.custom_fields).toEqual({ tier: 'Gold' });
        expect(tiered[1]?.custom_fields).toEqual({ tier: null });
        expect((plain.data as Array<Record<string, unknown>>).every((c) => !('custom_fields' in c))).toBe(true);
      });
    }
  });
}
