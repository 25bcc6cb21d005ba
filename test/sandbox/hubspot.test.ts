import { afterEach, describe, expect, it } from 'vitest';
import { startFakeHubSpot, type FakeHubSpot, type FakeHubSpotOptions } from '../../src/sandbox/index.js';
import { manualClock } from '../helpers/manual-clock.js';
import { call } from './helpers/call.js';

let hs: FakeHubSpot | undefined;
afterEach(async () => {
  await hs?.close();
  hs = undefined;
});
async function start(o: FakeHubSpotOptions = {}) {
  hs = await startFakeHubSpot(o);
  const g = hs.oauth.seedGrant({ accessToken: 'AT-1', refreshToken: 'RT-1' });
  return { hs, g };
}

describe('fake HubSpot CRM', () => {
  it('lists every contact page by page with paging.next.after, absent on the last page', async () => {
    const { hs } = await start();
    const ids: string[] = [];
    let after: string | undefined;
    let pages = 0;
    do {
      const r = await call(`${hs.url}/crm/v3/objects/contacts?limit=100${after ? `&after=${encodeURIComponent(after)}` : ''}`, { token: 'AT-1' });
      expect(r.status).toBe(200);
      pages += 1;
      for (const c of r.json.results) ids.push(c.id);
      after = r.json.paging?.next?.after;
      if (after) expect(r.json.paging.next.link).toBe(`/crm/v3/objects/contacts?after=${encodeURIComponent(after)}`);
    } while (after);
    expect(pages).toBe(3);
    expect(ids).toHaveLength(250);
    expect(new Set(ids).size).toBe(250);
    const def = await call(`${hs.url}/crm/v3/objects/contacts`, { token: 'AT-1' });
    expect(def.json.results).toHaveLength(10);
  });

  it('returns default properties per type (contacts lastmodifieddate, companies/deals hs_lastmodifieddate), all strings', async () => {
    const { hs } = await start();
    const c = await call(`${hs.url}/crm/v3/objects/contacts?limit=1`, { token: 'AT-1' });
    expect(Object.keys(c.json.results[0].properties).sort()).toEqual(['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname']);
    expect(c.json.results[0]).toMatchObject({ archived: false, createdAt: expect.any(String), updatedAt: expect.any(String) });
    const co = await call(`${hs.url}/crm/v3/objects/companies?limit=1`, { token: 'AT-1' });
    expect(Object.keys(co.json.results[0].properties).sort()).toEqual(['createdate', 'domain', 'hs_lastmodifieddate', 'hs_object_id', 'name']);
    const d = await call(`${hs.url}/crm/v3/objects/deals?limit=5&properties=amount,dealstage,nonexistent&associations=companies,contacts`, { token: 'AT-1' });
    const deal = d.json.results[0];
    expect(Object.keys(deal.properties).sort()).toEqual(['amount', 'createdate', 'dealstage', 'hs_lastmodifieddate', 'hs_object_id']);
    for (const v of Object.values(deal.properties)) expect(typeof v).toBe('string');
    expect(deal.associations.companies.results[0]).toEqual({ id: expect.any(String), type: 'deal_to_company' });
  });

  it('creates, updates and reads back with associations; note requires hs_timestamp', async () => {
    const { hs } = await start();
    const deal = (await call(`${hs.url}/crm/v3/objects/deals?limit=1`, { token: 'AT-1' })).json.results[0];
    const upd = await call(`${hs.url}/crm/v3/objects/deals/${deal.id}`, { method: 'PATCH', token: 'AT-1', json: { properties: { dealstage: 'closedwon', amount: 2500 } } });
    expect(upd.status).toBe(200);
    expect(upd.json.properties).toMatchObject({ dealstage: 'closedwon', amount: '2500' });
    const back = await call(`${hs.url}/crm/v3/objects/deals/${deal.id}?properties=dealstage`, { token: 'AT-1' });
    expect(back.json.properties.dealstage).toBe('closedwon');
    expect(back.json.updatedAt).not.toBe(deal.updatedAt);

    const noTs = await call(`${hs.url}/crm/v3/objects/notes`, { method: 'POST', token: 'AT-1', json: { properties: { hs_note_body: 'x' } } });
    expect([noTs.status, noTs.json.category, noTs.json.message]).toEqual([400, 'VALIDATION_ERROR', 'Error creating NOTE. Some required properties were not set.']);
    const note = await call(`${hs.url}/crm/v3/objects/notes`, {
      method: 'POST', token: 'AT-1',
      json: { properties: { hs_note_body: 'Signed!', hs_timestamp: '2026-11-22T12:00:00Z' }, associations: [{ to: { id: deal.id }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 214 }] }] },
    });
    expect(note.status).toBe(201);
    const read = await call(`${hs.url}/crm/v3/objects/notes/${note.json.id}?associations=contacts,companies,deals`, { token: 'AT-1' });
    expect(read.json.associations).toEqual({ deals: { results: [{ id: deal.id, type: 'note_to_deal' }] } });
    const fromDeal = await call(`${hs.url}/crm/v3/objects/deals/${deal.id}?associations=notes`, { token: 'AT-1' });
    expect(fromDeal.json.associations.notes.results).toContainEqual({ id: note.json.id, type: 'deal_to_note' });
  });

  it('answers HubSpot’s exact validation, not-found and empty-PATCH bodies', async () => {
    const { hs } = await start({ portalId: 123 });
    const bad = await call(`${hs.url}/crm/v3/objects/contacts`, { method: 'POST', token: 'AT-1', json: { properties: { foo: 'bar' } } });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain(String.raw`"message":"Property values were not valid: [{\"isValid\":false,\"message\":\"Property \\\"foo\\\" does not exist\",\"error\":\"PROPERTY_DOESNT_EXIST\",\"name\":\"foo\",\"localizedErrorMessage\":\"Property \\\"foo\\\" does not exist\",\"portalId\":123}]"`);
    expect(bad.json).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR', errors: [{ message: 'Property "foo" does not exist', code: 'PROPERTY_DOESNT_EXIST', context: { propertyName: ['foo'] } }] });
    const empty = await call(`${hs.url}/crm/v3/objects/contacts/100001`, { method: 'PATCH', token: 'AT-1', json: { properties: {} } });
    expect([empty.status, empty.json.message]).toEqual([400, 'No properties found to update, please provide at least one.']);
    const nf = await call(`${hs.url}/crm/v3/objects/contacts/abc`, { token: 'AT-1' });
    expect(nf.status).toBe(404);
    expect(nf.json).toEqual({ status: 'error', message: 'Object not found.  objectId are usually numeric.', correlationId: expect.any(String), context: { id: ['abc'] }, category: 'OBJECT_NOT_FOUND' });
  });

  it('a deal stage outside its pipeline (a label such as "Closed Won", or an unknown id) and an unknown pipeline are refused with INVALID_OPTION; nothing changes', async () => {
    const { hs } = await start({ portalId: 123 });
    const deal = (await call(`${hs.url}/crm/objects/2026-03/deals?limit=1&properties=dealstage`, { token: 'AT-1' })).json.results[0];
    const before = deal.properties.dealstage;
    const label = await call(`${hs.url}/crm/objects/2026-03/deals/${deal.id}`, { method: 'PATCH', token: 'AT-1', json: { properties: { dealstage: 'Closed Won' } } });
    expect(label.status).toBe(400);
    expect(label.json).toMatchObject({
      status: 'error', category: 'VALIDATION_ERROR',
      message: expect.stringContaining('Property values were not valid: [{"isValid":false,"message":"Closed Won was not one of the allowed options: [appointmentscheduled, qualifiedtobuy'),
      errors: [{ message: expect.stringMatching(/^Closed Won was not one of the allowed options: \[appointmentscheduled, .*closedlost\]$/), code: 'INVALID_OPTION', context: { propertyName: ['dealstage'] } }],
    });
    const created = await call(`${hs.url}/crm/v3/objects/deals`, { method: 'POST', token: 'AT-1', json: { properties: { dealname: 'X', dealstage: 'won-big' } } });
    expect([created.status, created.json.errors[0].code, created.json.errors[0].context]).toEqual([400, 'INVALID_OPTION', { propertyName: ['dealstage'] }]);
    const pipe = await call(`${hs.url}/crm/v3/objects/deals/${deal.id}`, { method: 'PATCH', token: 'AT-1', json: { properties: { pipeline: 'nope' } } });
    expect(pipe.json.errors[0]).toMatchObject({ code: 'INVALID_OPTION', context: { propertyName: ['pipeline'] } });
    expect((await call(`${hs.url}/crm/v3/objects/deals/${deal.id}?properties=dealstage,pipeline`, { token: 'AT-1' })).json.properties).toMatchObject({ dealstage: before, pipeline: 'default' });
    const ok = await call(`${hs.url}/crm/v3/objects/deals/${deal.id}`, { method: 'PATCH', token: 'AT-1', json: { properties: { dealstage: 'closedwon' } } });
    expect(ok.status).toBe(200);
    const stages = (await call(`${hs.url}/crm/v3/pipelines/deals`, { token: 'AT-1' })).json.results[0].stages;
    expect(stages.find((x: { id: string }) => x.id === 'closedwon')).toMatchObject({ label: 'Closed Won' });
  });

  it('401 EXPIRED_AUTHENTICATION for an expired token, INVALID_AUTHENTICATION for an unknown one', async () => {
    const clock = manualClock();
    const { hs, g } = await start({ clock });
    await clock.advance(1800_000 + 5_000);
    const exp = await call(`${hs.url}/crm/v3/objects/contacts`, { token: g.accessToken });
    expect(exp.status).toBe(401);
    expect(exp.json).toEqual({
      status: 'error', message: 'The OAuth token used to make this call expired 5 second(s) ago.', correlationId: expect.any(String),
      category: 'EXPIRED_AUTHENTICATION', context: { 'expire time': [new Date(g.expiresAt).toISOString()] },
    });
    const unk = await call(`${hs.url}/crm/v3/objects/contacts`, { token: 'garbage' });
    expect([unk.status, unk.json.category, unk.headers.get('x-hubspot-auth-failure')]).toEqual([401, 'INVALID_AUTHENTICATION', '401 Unauthorized']);
    expect(unk.json.message).toMatch(/^Authentication credentials not found\. This API supports OAuth 2\.0 authentication/);
    // refresh through the fake's own token endpoint gives a working token
    const t = await fetch(`${hs.tokenUrl}`, { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'RT-1', client_id: 'fake-client-id', client_secret: 'fake-client-secret' }) });
    const body = (await t.json()) as { access_token: string; expires_in: number };
    expect(body.expires_in).toBe(1800);
    expect((await call(`${hs.url}/crm/v3/objects/contacts`, { token: body.access_token })).status).toBe(200);
  });

  it('sends rolling-window headers, 429s with the RATE_LIMIT body, and recovers after the interval', async () => {
    const clock = manualClock();
    const { hs } = await start({ clock, rateLimit: { max: 3, intervalMs: 10_000 } });
    const seen: Array<string | null> = [];
    for (let i = 0; i < 3; i++) {
      const r = await call(`${hs.url}/crm/v3/objects/companies`, { token: 'AT-1' });
      expect(r.headers.get('x-hubspot-ratelimit-max')).toBe('3');
      expect(r.headers.get('x-hubspot-ratelimit-interval-milliseconds')).toBe('10000');
      expect(r.headers.get('x-hubspot-ratelimit-daily')).toBeNull();
      seen.push(r.headers.get('x-hubspot-ratelimit-remaining'));
    }
    expect(seen).toEqual(['2', '1', '0']);
    const t = await call(`${hs.url}/crm/v3/objects/companies`, { token: 'AT-1' });
    expect(t.status).toBe(429);
    expect(t.json).toEqual({ status: 'error', message: 'You have reached your ten_secondly_rolling limit.', errorType: 'RATE_LIMIT', correlationId: expect.any(String), policyName: 'TEN_SECONDLY_ROLLING', requestId: expect.any(String) });
    await clock.advance(10_001);
    expect((await call(`${hs.url}/crm/v3/objects/companies`, { token: 'AT-1' })).status).toBe(200);
    expect(hs.log.count('/crm/v3/objects/companies', 'GET')).toBe(5);
  });

  it('private-app tokens get Daily headers and a DAILY 429; search sends no rate-limit headers', async () => {
    const { hs } = await start({ privateAppToken: 'pat-na1-test', rateLimit: { dailyMax: 2 } });
    const r = await call(`${hs.url}/crm/v3/objects/deals`, { token: 'pat-na1-test' });
    expect([r.headers.get('x-hubspot-ratelimit-daily'), r.headers.get('x-hubspot-ratelimit-daily-remaining')]).toEqual(['2', '1']);
    await call(`${hs.url}/crm/v3/objects/deals`, { token: 'pat-na1-test' });
    const d = await call(`${hs.url}/crm/v3/objects/deals`, { token: 'pat-na1-test' });
    expect([d.status, d.json.policyName, d.json.message]).toEqual([429, 'DAILY', 'You have reached your daily limit.']);

    const s = await call(`${hs.url}/crm/v3/objects/contacts/search`, {
      method: 'POST', token: 'AT-1',
      json: { filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: 'ada.lovelace.1@example.com' }] }], properties: ['email'] },
    });
    expect(s.status).toBe(200);
    expect([...s.headers.keys()].filter((k) => k.startsWith('x-hubspot-ratelimit'))).toEqual([]);
    expect(s.json.total).toBe(s.json.results.length);
  });

  it('search: CONTAINS_TOKEN, free-text query and offset paging', async () => {
    const { hs } = await start({ rateLimit: { searchPerSecond: false } });
    const all: string[] = [];
    let after: string | undefined;
    let total = 0;
    do {
      const r = await call(`${hs.url}/crm/v3/objects/contacts/search`, { method: 'POST', token: 'AT-1', json: { query: 'lovelace', limit: 5, ...(after ? { after } : {}) } });
      total = r.json.total;
      for (const x of r.json.results) all.push(x.id);
      after = r.json.paging?.next?.after;
    } while (after);
    expect(total).toBeGreaterThan(5);
    expect(all).toHaveLength(total);
    const tok = await call(`${hs.url}/crm/v3/objects/deals/search`, { method: 'POST', token: 'AT-1', json: { filterGroups: [{ filters: [{ propertyName: 'dealname', operator: 'CONTAINS_TOKEN', value: 'renewal' }] }], properties: ['dealname'], limit: 100 } });
    expect(tok.json.results.length).toBeGreaterThan(0);
    for (const d of tok.json.results) expect(d.properties.dealname.toLowerCase()).toContain('renewal');
  });

  it('serves API faults on demand and counts requests', async () => {
    const { hs } = await start();
    hs.oauth.faults.inject({ kind: 'status500' }, { scope: 'api' });
    expect((await call(`${hs.url}/crm/v3/objects/contacts`, { token: 'AT-1' })).status).toBe(500);
    expect((await call(`${hs.url}/crm/v3/objects/contacts`, { token: 'AT-1' })).status).toBe(200);
    expect(hs.log.counters()).toEqual({ 'GET /crm/v3/objects/contacts': 2 });
  });
});

describe('fake HubSpot OAuth extras', () => {
  it('legacy access-token info reports seconds left; v3 introspection and legacy refresh-token DELETE', async () => {
    const clock = manualClock();
    const { hs } = await start({ clock });
    await clock.advance(100_000);
    const info = await call(`${hs.url}/oauth/v1/access-tokens/AT-1`);
    expect(info.json).toMatchObject({ expires_in: 1700, token_type: 'access', hub_id: expect.any(Number) });
    const intro = await fetch(`${hs.url}/oauth/v3/token/introspect`, { method: 'POST', body: new URLSearchParams({ token: 'AT-1', client_id: 'fake-client-id', client_secret: 'fake-client-secret' }) });
    expect(await intro.json()).toMatchObject({ active: true, token_use: 'access_token', expires_in: 1700, client_id: 'fake-client-id' });
    expect((await call(`${hs.url}/oauth/v1/refresh-tokens/RT-1`, { method: 'DELETE' })).status).toBe(204);
    expect((await call(`${hs.url}/oauth/v1/refresh-tokens/RT-1`, { method: 'DELETE' })).status).toBe(404);
    expect((await call(`${hs.url}/oauth/v1/access-tokens/nope`)).status).toBe(404);
  });
});
