import { afterEach, describe, expect, it } from 'vitest';
import { startFakeSalesforce, type FakeSalesforce, type FakeSalesforceOptions } from '../../src/sandbox/index.js';
import { manualClock } from '../helpers/manual-clock.js';
import { call } from './helpers/call.js';

let sf: FakeSalesforce | undefined;
afterEach(async () => {
  await sf?.close();
  sf = undefined;
});
async function start(o: FakeSalesforceOptions = {}) {
  sf = await startFakeSalesforce(o);
  const g = sf.oauth.seedGrant({ accessToken: 'AT-SF', refreshToken: 'RT-SF' });
  const api = `${sf.url}/services/data/v62.0`;
  const q = (soql: string, headers?: Record<string, string>) => call(`${api}/query?q=${encodeURIComponent(soql)}`, { token: 'AT-SF', ...(headers ? { headers } : {}) });
  return { sf, g, api, q };
}

describe('fake Salesforce REST', () => {
  it('pages a SOQL query with nextRecordsUrl until done, every record once, with attributes', async () => {
    const { sf, q } = await start({ queryBatchSize: 100 });
    let r = await q('SELECT Id, FirstName, LastName, Email, AccountId, Custom_Tier__c FROM Contact ORDER BY Id');
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ totalSize: 250, done: false });
    const ids: string[] = [];
    let pages = 0;
    for (;;) {
      pages += 1;
      for (const rec of r.json.records) ids.push(rec.Id);
      if (r.json.done) {
        expect(r.json.nextRecordsUrl).toBeUndefined();
        break;
      }
      expect(r.json.nextRecordsUrl).toMatch(/^\/services\/data\/v62\.0\/query\/01g[A-Za-z0-9]+-\d+$/);
      r = await call(`${sf.url}${r.json.nextRecordsUrl}`, { token: 'AT-SF' });
    }
    expect(pages).toBe(3);
    expect(new Set(ids).size).toBe(250);
    expect([...ids].sort()).toEqual(ids);
    const first = (await q('SELECT Id, Name, Custom_Tier__c FROM Contact ORDER BY Id LIMIT 3')).json;
    expect(first.totalSize).toBe(3);
    expect(first.records[0]).toEqual({ attributes: { type: 'Contact', url: `/services/data/v62.0/sobjects/Contact/${first.records[0].Id}` }, Id: expect.stringMatching(/^003[A-Za-z0-9]{15}$/), Name: expect.any(String), Custom_Tier__c: expect.any(String) });
    expect(first.records[1].Custom_Tier__c).toBeNull();
  });

  it('honours Sforce-Query-Options batchSize (clamped to 200..2000) and WHERE/LIKE/IN/relationship fields', async () => {
    const { q } = await start();
    const big = await q('SELECT Id FROM Contact', { 'Sforce-Query-Options': 'batchSize=1000' });
    expect([big.json.records.length, big.json.done]).toEqual([250, true]);
    const small = await q('SELECT Id FROM Contact', { 'Sforce-Query-Options': 'batchSize=5' });
    expect(small.json.records).toHaveLength(200);
    const like = await q("SELECT Id, Name, Email FROM Contact WHERE Name LIKE '%lovelace%' OR Email LIKE 'ada.%' ORDER BY Id");
    expect(like.json.totalSize).toBeGreaterThan(0);
    for (const c of like.json.records) expect(c.Name.toLowerCase().includes('lovelace') || c.Email.startsWith('ada.')).toBe(true);
    const opp = await q("SELECT Id, Name, StageName, Amount, CloseDate, Account.Name FROM Opportunity WHERE StageName IN ('Closed Won', 'Closed Lost') AND Amount >= 1000 ORDER BY Amount DESC LIMIT 5");
    expect(opp.json.records.length).toBeGreaterThan(0);
    const amounts = opp.json.records.map((o: { Amount: number }) => o.Amount);
    expect([...amounts].sort((a: number, b: number) => b - a)).toEqual(amounts);
    expect(opp.json.records[0].Account).toMatchObject({ attributes: { type: 'Account' }, Name: expect.any(String) });
    expect(opp.json.records[0].CloseDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('answers bad SOQL with MALFORMED_QUERY / INVALID_FIELD / INVALID_TYPE arrays', async () => {
    const { q } = await start();
    const bad = await q('SELECT Id FROM Contact WHER Id = 1');
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual([{ message: expect.stringContaining("unexpected token: 'WHER'"), errorCode: 'MALFORMED_QUERY' }]);
    const field = await q('SELECT Id, Nope__c FROM Contact');
    expect(field.json[0].errorCode).toBe('INVALID_FIELD');
    expect(field.json[0].message).toContain("No such column 'Nope__c' on entity 'Contact'");
    expect((await q('SELECT Id FROM Widget__c')).json[0].errorCode).toBe('INVALID_TYPE');
  });

  it('creates (201), updates (204 no body) and reads back records with Salesforce datetimes', async () => {
    const clock = manualClock(Date.UTC(2026, 10, 22, 20, 49, 32));
    const { api } = await start({ clock });
    const acct = await call(`${api}/sobjects/Account/`, { method: 'POST', token: 'AT-SF', json: { Name: 'Fake Co' } });
    expect(acct.status).toBe(201);
    expect(acct.json).toEqual({ id: expect.stringMatching(/^001/), errors: [], success: true });
    const opp = await call(`${api}/sobjects/Opportunity/`, { method: 'POST', token: 'AT-SF', json: { Name: 'Big', StageName: 'Prospecting', CloseDate: '2026-12-31', Amount: 5000, AccountId: acct.json.id } });
    expect(opp.status).toBe(201);
    await clock.advance(60_000);
    const upd = await call(`${api}/sobjects/Opportunity/${opp.json.id}`, { method: 'PATCH', token: 'AT-SF', json: { StageName: 'Closed Won' } });
    expect([upd.status, upd.text]).toEqual([204, '']);
    const got = await call(`${api}/sobjects/Opportunity/${opp.json.id}`, { token: 'AT-SF' });
    expect(got.json).toMatchObject({
      attributes: { type: 'Opportunity', url: `/services/data/v62.0/sobjects/Opportunity/${opp.json.id}` },
      Id: opp.json.id, StageName: 'Closed Won', IsWon: true, IsClosed: true, Amount: 5000, CloseDate: '2026-12-31',
      CreatedDate: '2026-11-22T20:49:32.000+0000', LastModifiedDate: '2026-11-22T20:50:32.000+0000',
    });
    const fields = await call(`${api}/sobjects/Opportunity/${opp.json.id}?fields=StageName`, { token: 'AT-SF' });
    expect(Object.keys(fields.json)).toEqual(['attributes', 'StageName']);
    const note = await call(`${api}/sobjects/Note/`, { method: 'POST', token: 'AT-SF', json: { ParentId: opp.json.id, Title: 'Signed', Body: 'Done' } });
    expect(note.status).toBe(201);
    const notes = await call(`${api}/query?q=${encodeURIComponent(`SELECT Id, Body FROM Note WHERE ParentId = '${opp.json.id}'`)}`, { token: 'AT-SF' });
    expect(notes.json.records.map((n: { Id: string }) => n.Id)).toEqual([note.json.id]);
  });

  it('returns the reference error arrays: REQUIRED_FIELD_MISSING, INVALID_FIELD, MALFORMED_ID, NOT_FOUND', async () => {
    const { api } = await start();
    const req = await call(`${api}/sobjects/Contact/`, { method: 'POST', token: 'AT-SF', json: { FirstName: 'X' } });
    expect([req.status, req.json]).toEqual([400, [{ message: 'Required fields are missing: [LastName]', errorCode: 'REQUIRED_FIELD_MISSING', fields: ['LastName'] }]]);
    const withId = await call(`${api}/sobjects/Contact/`, { method: 'POST', token: 'AT-SF', json: { Id: '003000000000000AAA', LastName: 'Y' } });
    expect(withId.json).toEqual([{ message: 'The Id field should not be specified in the sobject data.', errorCode: 'INVALID_FIELD' }]);
    const unknown = await call(`${api}/sobjects/Contact/`, { method: 'POST', token: 'AT-SF', json: { LastName: 'Y', Foo__c: 1 } });
    expect(unknown.json[0].errorCode).toBe('INVALID_FIELD');
    const malformed = await call(`${api}/sobjects/Contact/abc`, { token: 'AT-SF' });
    expect([malformed.status, malformed.json[0].errorCode]).toEqual([400, 'MALFORMED_ID']);
    const missing = await call(`${api}/sobjects/Contact/003Fk0000999999AAA`, { token: 'AT-SF' });
    expect([missing.status, missing.json]).toEqual([404, [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]]);
  });

  it('a StageName outside the restricted picklist is refused with INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST naming the field; the record is unchanged', async () => {
    const { api } = await start();
    const created = await call(`${api}/sobjects/Opportunity/`, { method: 'POST', token: 'AT-SF', json: { Name: 'Big', StageName: 'Won Big', CloseDate: '2026-12-31' } });
    expect([created.status, created.json]).toEqual([400, [{ message: 'Stage: bad value for restricted picklist field: Won Big', errorCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', fields: ['StageName'] }]]);
    const opp = await call(`${api}/sobjects/Opportunity/`, { method: 'POST', token: 'AT-SF', json: { Name: 'Big', StageName: 'Prospecting', CloseDate: '2026-12-31' } });
    const upd = await call(`${api}/sobjects/Opportunity/${opp.json.id}`, { method: 'PATCH', token: 'AT-SF', json: { StageName: 'Won Big' } });
    expect([upd.status, upd.json[0].errorCode, upd.json[0].fields]).toEqual([400, 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', ['StageName']]);
    expect((await call(`${api}/sobjects/Opportunity/${opp.json.id}?fields=StageName`, { token: 'AT-SF' })).json.StageName).toBe('Prospecting');
    const task = await call(`${api}/sobjects/Task/`, { method: 'POST', token: 'AT-SF', json: { Subject: 'x', Status: 'Done-ish' } });
    expect(task.json[0]).toMatchObject({ errorCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', message: 'Status: bad value for restricted picklist field: Done-ish' });
  });

  it('401 INVALID_SESSION_ID with WWW-Authenticate: Token for expired and unknown tokens', async () => {
    const clock = manualClock();
    const { api, g, sf } = await start({ clock });
    await clock.advance(2 * 3600_000);
    for (const token of [g.accessToken, 'garbage']) {
      const r = await call(`${api}/query?q=SELECT+Id+FROM+Contact`, { token });
      expect([r.status, r.headers.get('www-authenticate'), r.json]).toEqual([401, 'Token', [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]]);
    }
    expect(sf.usage.used).toBe(0);
  });

  it('counts API usage in Sforce-Limit-Info and answers 403 REQUEST_LIMIT_EXCEEDED (never 429) when exhausted', async () => {
    const clock = manualClock();
    const { api, sf } = await start({ clock, apiLimit: 3 });
    const seen: Array<string | null> = [];
    for (let i = 0; i < 3; i++) seen.push((await call(`${api}/sobjects/Account/${sf.store.sorted('Account')[0]?.Id}`, { token: 'AT-SF' })).headers.get('sforce-limit-info'));
    expect(seen).toEqual(['api-usage=1/3', 'api-usage=2/3', 'api-usage=3/3']);
    const over = await call(`${api}/query?q=SELECT+Id+FROM+Contact`, { token: 'AT-SF' });
    expect([over.status, over.json]).toEqual([403, [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]]);
    expect(over.headers.get('sforce-limit-info')).toBe('api-usage=3/3');
    sf.oauth.seedGrant({ accessToken: 'AT-LONG', accessTokenTtlSeconds: 3 * 86_400 });
    await clock.advance(86_400_001);
    expect((await call(`${api}/query?q=SELECT+Id+FROM+Contact`, { token: 'AT-LONG' })).status).toBe(200);
    expect(sf.log.count(/^\/services\/data\//)).toBe(5);
  });

  it('token responses carry instance_url = the fake itself, or a tampered value when set', async () => {
    const { sf } = await start();
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'RT-SF', client_id: 'fake-client-id', client_secret: 'fake-client-secret' });
    const r = (await (await fetch(sf.tokenUrl, { method: 'POST', body: form })).json()) as Record<string, unknown>;
    expect(r.instance_url).toBe(sf.url);
    expect(r).not.toHaveProperty('expires_in');
    sf.oauth.settings.instanceUrl = 'https://attacker.example.net';
    const t = (await (await fetch(sf.tokenUrl, { method: 'POST', body: form })).json()) as Record<string, unknown>;
    expect(t.instance_url).toBe('https://attacker.example.net');
    expect(sf.instanceUrl).toBe('https://attacker.example.net');
    // the new access token works on the data API
    expect((await call(`${sf.url}/services/data/v62.0/query?q=SELECT+Id+FROM+Account+LIMIT+1`, { token: t.access_token as string })).status).toBe(200);
  });
});
