/**
 * End to end against the faithful sandbox fakes (src/sandbox): the real engine, the real
 * definitions in integrations/, the real token manager over an account store. Nothing between
 * the engine and the fakes is stubbed; the fakes' own request logs and OAuth stats are the
 * witnesses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rateLimitHeaders } from '../../src/mcp/results.js';
import type { RateLimitInfo } from '../../src/engine/types.js';
import { listAll, ok, startSandboxRig, type Crm, type SandboxRig } from './helpers/sandbox-rig.js';

const TIER = { contacts: { custom_fields: { tier: { field: 'Custom_Tier__c', expr: 'Custom_Tier__c' } } } };
let rig: SandboxRig;

beforeAll(async () => {
  // 450 Salesforce contacts so the fake's own 200-record batches give three pages.
  rig = await startSandboxRig({ sandboxes: { hubspot: { rateLimit: { searchPerSecond: false } }, salesforce: { seed: { contacts: 450 } } } });
  await rig.addAccount('hubspot');
  await rig.addAccount('salesforce');
  await rig.addAccount('salesforce', { id: 'sf-tiered', unified_model_override: TIER }, { ownGrant: true });
  await rig.addAccount('salesforce', { id: 'sf-plain' }, { ownGrant: true });
});
afterAll(() => rig.close());

const refreshGrants = (crm: Crm): number => rig.sb[crm].oauth.stats.byGrantType.refresh_token ?? 0;
const seeded = (crm: Crm): number => (crm === 'hubspot' ? rig.sb.hubspot.store.records.contacts.size : rig.sb.salesforce.store.records.Contact.size);

for (const crm of ['hubspot', 'salesforce'] as const) {
  describe(`e2e ${crm} (sandbox fake, real token manager)`, () => {
    const id = `acct-${crm}`;

    it('lists all contacts across ≥ 3 pages; an access token expiring mid-list recovers with exactly one refresh', async () => {
      const fake = rig.sb[crm];
      const before = { refreshes: refreshGrants(crm), token: (await rig.store.get(id))?.context.oauth?.token?.access_token };
      const { records, pages } = await listAll(rig, id, { resource: 'contacts', method: 'list', limit: crm === 'hubspot' ? 100 : 200 }, (n) => {
        if (n === 1) fake.oauth.expireAllAccessTokens();
      });
      expect(pages.length).toBeGreaterThanOrEqual(3);
      expect(records).toHaveLength(seeded(crm));
      expect(new Set(records.map((r) => r.id)).size).toBe(seeded(crm));
      expect(pages.map((p) => p.provider_requests)).toEqual([1, 2, ...pages.slice(2).map(() => 1)]);
      expect(refreshGrants(crm) - before.refreshes).toBe(1);
      const stored = (await rig.store.get(id))?.context.oauth?.token?.access_token;
      expect(stored).not.toBe(before.token);
      expect(fake.oauth.isAccessTokenValid(stored ?? '')).toBe(true);
    });

    it('a limit below the provider\'s page size is honoured: pages of exactly `limit`, every record once, one request each', async () => {
      // Salesforce answers at least 200 records per batch whatever the client asks for.
      const { records, pages } = await listAll(rig, id, { resource: 'contacts', method: 'list', limit: 40 });
      const sizes = pages.map((p) => (ok(p).data as unknown[]).length);
      expect(sizes.slice(0, -1).every((n) => n === 40)).toBe(true);
      expect(sizes.at(-1)).toBeGreaterThan(0);
      expect(records).toHaveLength(seeded(crm));
      expect(new Set(records.map((r) => r.id)).size).toBe(seeded(crm));
      expect(pages.every((p) => p.provider_requests === 1)).toBe(true);
    });

    it('rate-limit figures are the fake\'s own headers, normalized', async () => {
      await rig.clock.advance(11_000); // HubSpot: a fresh 10 s rolling window
      const first = ok(await rig.run(id, { resource: 'contacts', method: 'list', limit: 5 })).rate_limit as RateLimitInfo;
      const second = ok(await rig.run(id, { resource: 'contacts', method: 'list', limit: 5 })).rate_limit as RateLimitInfo;
      if (crm === 'hubspot') {
        expect([first, second]).toMatchObject([99, 98].map((remaining) => ({ limit: 100, remaining, reset_seconds: 10, policy: 'TEN_SECONDLY_ROLLING' })));
        expect(second.policies).toEqual([{ name: 'TEN_SECONDLY_ROLLING', limit: 100, remaining: 98, reset_seconds: 10, window_seconds: 10 }]);
      } else {
        expect(second).toMatchObject({ limit: 15000, remaining: 15000 - rig.sb.salesforce.usage.used, reset_seconds: 86400, policy: 'api-usage' });
        expect(first.remaining).toBe((second.remaining ?? 0) + 1);
      }
      const name = crm === 'hubspot' ? 'TEN_SECONDLY_ROLLING' : 'api-usage';
      expect(rateLimitHeaders(second)).toEqual({
        ratelimit: `"${name}";r=${second.remaining};t=${second.reset_seconds}`,
        'ratelimit-policy': `"${name}";q=${second.limit};w=${second.reset_seconds}`,
        'ratelimit-limit': String(second.limit), 'ratelimit-remaining': String(second.remaining), 'ratelimit-reset': String(second.reset_seconds),
      });
    });

    it('updates a deal and reads it back (Salesforce: a PATCH inside a composite request)', async () => {
      const deal = (ok(await rig.run(id, { resource: 'deals', method: 'list', limit: 5 })).data as Array<{ id: string; name: string }>)[0];
      if (!deal) throw new Error('no seeded deal');
      const stage = crm === 'hubspot' ? 'closedwon' : 'Closed Won';
      const up = ok(await rig.run(id, { resource: 'deals', method: 'update', id: deal.id, input: { stage, amount: 2500, close_date: '2026-12-31' } }));
      // The whole record, not just what was written: HubSpot's PATCH answer lacks the name and the associations.
      expect(up.data).toMatchObject({ id: deal.id, name: deal.name, stage, amount: 2500, close_date: '2026-12-31' });
      // Salesforce: the PATCH (204) runs inside one composite request, beside any contact-role changes.
      if (crm === 'salesforce') expect(rig.sb.salesforce.log.entries.filter((e) => e.path.endsWith('/composite')).at(-1)?.status).toBe(200);
      const got = ok(await rig.run(id, { resource: 'deals', method: 'get', id: deal.id, includeRemoteData: true }));
      expect(got.data).toMatchObject({ id: deal.id, name: deal.name, stage, amount: 2500, close_date: '2026-12-31' });
      const raw = (got.data as { remote_data: Record<string, unknown> }).remote_data;
      if (crm === 'hubspot') expect(raw.properties).toMatchObject({ dealstage: stage, amount: '2500' });
      else expect(raw).toMatchObject({ StageName: stage, Amount: 2500 });
    });

    it('creates a note linked to a deal; the fake holds the link and the note lists with it', async () => {
      const deal = (ok(await rig.run(id, { resource: 'deals', method: 'list', limit: 5 })).data as Array<{ id: string }>)[1];
      if (!deal) throw new Error('no seeded deal');
      const note = ok(await rig.run(id, { resource: 'notes', method: 'create', input: { body: 'Discussed renewal', deal_ids: [deal.id] } }));
      const noteId = (note.data as { id: string }).id;
      expect(note.data).toMatchObject({ body: 'Discussed renewal', deal_ids: [deal.id], contact_ids: [], company_ids: [] });
      if (crm === 'salesforce') expect(rig.sb.salesforce.store.get('Note', noteId)).toMatchObject({ ParentId: deal.id, Body: 'Discussed renewal' });
      else expect(rig.sb.hubspot.store.associationsOf('notes', noteId, ['deals'])).toEqual({ deals: { results: [{ id: deal.id, type: 'note_to_deal' }] } });
      const { records } = await listAll(rig, id, { resource: 'notes', method: 'list', limit: 100 });
      expect(records).toContainEqual(expect.objectContaining({ id: noteId, deal_ids: [deal.id] }));
    });

    it('creates a contact and finds it by search', async () => {
      const c = ok(await rig.run(id, { resource: 'contacts', method: 'create', input: { first_name: 'Zed', last_name: 'Quimby', emails: [{ value: 'zed.quimby@example.org' }] } }));
      const cid = (c.data as { id: string }).id;
      expect(c.data).toMatchObject({ first_name: 'Zed', last_name: 'Quimby', emails: [{ value: 'zed.quimby@example.org', primary: true }] });
      const s = ok(await rig.run(id, { resource: 'contacts', method: 'search', input: { query: 'quimby' } }));
      expect((s.data as Array<{ id: string }>).map((x) => x.id)).toEqual([cid]);
    });

    it('a throttled response is a typed rate_limited result with retry-after; the fake saw exactly one request and nothing was retried', async () => {
      const fake = rig.sb[crm];
      if (crm === 'hubspot') {
        await rig.clock.advance(11_000); // a fresh 10 s window, then a budget of one request
        rig.sb.hubspot.limiter.config.max = 1;
        ok(await rig.run(id, { resource: 'contacts', method: 'list', limit: 1 }));
      } else {
        rig.sb.salesforce.usage.setUsed(rig.sb.salesforce.usage.limit);
      }
      const before = { log: fake.log.entries.length, refreshes: refreshGrants(crm) };
      const res = await rig.run(id, { resource: 'contacts', method: 'list' });
      if (crm === 'hubspot') rig.sb.hubspot.limiter.config.max = 100;
      else rig.sb.salesforce.usage.setUsed(0);

      expect(res.ok).toBe(false);
      if (res.ok) return;
      expect(fake.log.entries.length - before.log).toBe(1);
      expect(fake.log.entries.at(-1)?.status).toBe(crm === 'hubspot' ? 429 : 403);
      expect(refreshGrants(crm)).toBe(before.refreshes);
      expect(res.provider_requests).toBe(1);
      if (crm === 'hubspot') {
        expect(res.error).toMatchObject({ code: 'rate_limited', status: 429, provider_code: 'TEN_SECONDLY_ROLLING', message: 'You have reached your ten_secondly_rolling limit.', retry_after_seconds: 10 });
        expect(res.rate_limit).toMatchObject({ limit: 1, remaining: 0, reset_seconds: 10, retry_after_seconds: 10, policy: 'TEN_SECONDLY_ROLLING' });
      } else {
        expect(res.error).toMatchObject({ code: 'rate_limited', status: 403, provider_code: 'REQUEST_LIMIT_EXCEEDED', message: 'TotalRequests Limit exceeded.', retry_after_seconds: 86400 });
        expect(res.rate_limit).toMatchObject({ limit: 15000, remaining: 0, reset_seconds: 86400, retry_after_seconds: 86400, policy: 'api-usage' });
      }
      expect(rateLimitHeaders(res.rate_limit)).toMatchObject({ 'ratelimit-remaining': '0', 'retry-after': crm === 'hubspot' ? '10' : '86400' });
    });
  });
}

const WRITES: Record<Crm, Record<string, Record<string, unknown>>> = {
  hubspot: {
    'contacts.create': { first_name: 'Ivy', last_name: 'Ng', emails: [{ value: 'ivy.ng@example.org' }], phones: [{ value: '+1 555 0101', type: 'mobile' }] },
    'contacts.update': { title: 'CTO' },
    'deals.create': { name: 'Pilot', amount: 900, stage: 'appointmentscheduled', pipeline: 'default', close_date: '2027-01-15' },
    'deals.update': { amount: 950 },
  },
  salesforce: {
    'contacts.create': { first_name: 'Ivy', last_name: 'Ng', emails: [{ value: 'ivy.ng@example.org' }], phones: [{ value: '+1 555 0101', type: 'mobile' }] },
    'contacts.update': { title: 'CTO' },
    'deals.create': { name: 'Pilot', amount: 900, stage: 'Prospecting', close_date: '2027-01-15' },
    'deals.update': { amount: 950 },
  },
};

describe('every resource and method each definition declares runs against its faithful fake', () => {
  for (const crm of ['hubspot', 'salesforce'] as const) {
    it(crm, async () => {
      const id = `acct-${crm}`;
      const acct = await rig.store.get(id);
      if (!acct) throw new Error('no account');
      const caps = await rig.engine.capabilities(acct);
      expect(caps.map((c) => `${c.resource}.${c.method}`).sort()).toEqual(
        ['companies.get', 'companies.list', 'contacts.create', 'contacts.get', 'contacts.list', 'contacts.search', 'contacts.update', 'deals.create', 'deals.get', 'deals.list', 'deals.update', 'notes.create', 'notes.get', 'notes.list'],
      );
      const firstId: Record<string, string> = {};
      for (const { resource, method } of caps) {
        const key = `${resource}.${method}`;
        let r;
        if (method === 'list') {
          r = ok(await rig.run(id, { resource, method, limit: 2 }));
          const rows = r.data as Array<{ id: string; last_name?: string }>;
          expect(rows.length, key).toBeGreaterThan(0);
          firstId[resource] = rows[0]?.id ?? '';
          if (resource === 'contacts') firstId.contactName = rows[0]?.last_name ?? '';
        } else if (method === 'get') {
          r = ok(await rig.run(id, { resource, method, id: firstId[resource] ?? '' }));
          expect(r.data, key).toMatchObject({ id: firstId[resource] });
        } else if (method === 'search') {
          r = ok(await rig.run(id, { resource, method, input: { query: firstId.contactName } }));
          expect((r.data as Array<{ id: string }>).map((x) => x.id), key).toContain(firstId.contacts);
        } else {
          const input = resource === 'notes' ? { body: 'Checked in', contact_ids: [firstId.contacts] } : (WRITES[crm][key] ?? {});
          r = ok(await rig.run(id, { resource, method, input, ...(method === 'update' ? { id: firstId[resource] } : {}) }));
          expect(r.data, key).toMatchObject(input);
        }
        expect(r.provider_requests, key).toBeGreaterThan(0);
      }
    });
  }
});

describe('account-level overrides (Salesforce)', () => {
  it('Custom_Tier__c appears for the account with the override; another account of the same integration is unchanged', async () => {
    const tiered = (await listAll(rig, 'sf-tiered', { resource: 'contacts', method: 'list', limit: 200 })).records;
    const plain = (await listAll(rig, 'sf-plain', { resource: 'contacts', method: 'list', limit: 200 })).records;
    expect(tiered.map((c) => c.id)).toEqual(plain.map((c) => c.id));
    const store = rig.sb.salesforce.store;
    for (const c of tiered) expect(c.custom_fields).toEqual({ tier: store.get('Contact', c.id as string)?.Custom_Tier__c ?? null });
    expect(tiered.filter((c) => typeof (c.custom_fields as { tier?: unknown }).tier === 'string').length).toBeGreaterThan(50);
    expect(plain.every((c) => !('custom_fields' in c))).toBe(true);

    const one = tiered.find((c) => typeof (c.custom_fields as { tier?: unknown }).tier === 'string');
    const got = ok(await rig.run('sf-tiered', { resource: 'contacts', method: 'get', id: one?.id as string }));
    expect(got.data).toMatchObject({ id: one?.id, custom_fields: one?.custom_fields });
    const gotPlain = ok(await rig.run('sf-plain', { resource: 'contacts', method: 'get', id: one?.id as string }));
    expect(gotPlain.data).not.toHaveProperty('custom_fields');
  });
});

describe('secrets', () => {
  it('no access or refresh token appears in any result (data or error) or in the logs of the engine and the token manager', () => {
    const text = [...rig.logs, ...rig.results.map((r) => JSON.stringify(r))].join('\n');
    expect(rig.results.some((r) => !r.ok)).toBe(true);
    const issued = [...rig.sb.hubspot.oauth.stats.issuedAccessTokens, ...rig.sb.salesforce.oauth.stats.issuedAccessTokens];
    expect(issued.length).toBeGreaterThan(0);
    for (const t of [...issued, rig.sb.grants?.hubspot.accessToken, rig.sb.grants?.salesforce.accessToken, rig.sb.grants?.hubspot.refreshToken, rig.sb.grants?.salesforce.refreshToken]) {
      if (t) expect(text).not.toContain(t);
    }
  });
});
