/**
 * What the fake HubSpot keeps between requests to answer them cheaply — the id order of each
 * object type, the rolling rate-limit windows — must answer exactly as if recomputed every time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { HubSpotLimiter, startFakeHubSpot, type FakeHubSpot } from '../../src/sandbox/index.js';
import { call } from './helpers/call.js';

let hs: FakeHubSpot | undefined;
afterEach(async () => {
  await hs?.close();
  hs = undefined;
});

describe('fake HubSpot: list order kept between requests', () => {
  it('a list sees a create, an archive and any direct write to the store at once, in id order', async () => {
    hs = await startFakeHubSpot({ seed: { contacts: 4, companies: 0, deals: 0, notes: 0 } });
    hs.oauth.seedGrant({ accessToken: 'AT-1', refreshToken: 'RT-1' });
    const url = `${hs.url}/crm/v3/objects/contacts?limit=100&properties=email`;
    const ids = async (archived = false) => ((await call(`${url}${archived ? '&archived=true' : ''}`, { token: 'AT-1' })).json.results as Array<{ id: string }>).map((r) => r.id);
    const seeded = await ids();
    expect(seeded).toEqual(['100001', '100002', '100003', '100004']);

    const created = await call(`${hs.url}/crm/v3/objects/contacts`, { method: 'POST', token: 'AT-1', json: { properties: { email: 'new@example.com' } } });
    expect(created.status).toBe(201);
    expect(await ids()).toEqual([...seeded, created.json.id]);

    expect((await call(`${hs.url}/crm/v3/objects/contacts/100002`, { method: 'DELETE', token: 'AT-1' })).status).toBe(204);
    expect(await ids()).toEqual(['100001', '100003', '100004', created.json.id]);
    expect(await ids(true)).toEqual(['100002']);

    // Writes that bypass the API: a record put under a lower id, one deleted, the whole map replaced.
    const low = { ...hs.store.records.contacts.get('100001')!, id: '99', properties: { email: 'low@example.com' } };
    hs.store.records.contacts.set('99', low);
    hs.store.records.contacts.delete('100003');
    expect(await ids()).toEqual(['99', '100001', '100004', created.json.id]);
    hs.store.records.contacts = new Map([['7', { ...low, id: '7' }], ['5', { ...low, id: '5' }]]);
    expect(await ids()).toEqual(['5', '7']);
    hs.store.records.contacts.set('6', { ...low, id: '6' });
    expect(await ids()).toEqual(['5', '6', '7']);
  });
});

describe('fake HubSpot: list JSON kept between requests', () => {
  it('a list page follows every change to a record at once: through the API, written in place, or a value that is an object', async () => {
    hs = await startFakeHubSpot({ seed: { contacts: 3, companies: 0, deals: 0, notes: 0 } });
    hs.oauth.seedGrant({ accessToken: 'AT-1', refreshToken: 'RT-1' });
    const first = async (props: string) => (await call(`${hs!.url}/crm/v3/objects/contacts?limit=2&properties=${props}`, { token: 'AT-1' })).json.results[0];
    const rec = hs.store.records.contacts.get('100001')!;
    const seededEmail = rec.properties.email;
    expect((await first('email')).properties.email).toBe(seededEmail);
    expect((await first('firstname')).properties).not.toHaveProperty('email');

    expect((await call(`${hs.url}/crm/v3/objects/contacts/100001`, { method: 'PATCH', token: 'AT-1', json: { properties: { email: 'patched@example.com' } } })).status).toBe(200);
    const patched = await first('email');
    expect(patched.properties.email).toBe('patched@example.com');
    expect(patched.updatedAt).toBe(rec.updatedAt);

    rec.properties.email = 'in-place@example.com';
    expect((await first('email')).properties.email).toBe('in-place@example.com');
    delete rec.properties.email;
    expect((await first('email')).properties.email).toBeNull();
    rec.createdAt = '2020-01-01T00:00:00.000Z';
    expect((await first('email')).createdAt).toBe('2020-01-01T00:00:00.000Z');

    // A value that is not a string (only code holding the store can put one there) is serialised as it is now, every time.
    const nested = { tier: 'gold' };
    (rec.properties as Record<string, unknown>).email = nested;
    expect((await first('email')).properties.email).toEqual({ tier: 'gold' });
    nested.tier = 'silver';
    expect((await first('email')).properties.email).toEqual({ tier: 'silver' });

    expect((await call(`${hs.url}/crm/v3/objects/contacts/100001`, { method: 'DELETE', token: 'AT-1' })).status).toBe(204);
    expect((await first('email')).id).toBe('100002');
    const archived = (await call(`${hs.url}/crm/v3/objects/contacts?archived=true&properties=email`, { token: 'AT-1' })).json.results[0];
    expect(archived).toMatchObject({ id: '100001', archived: true, archivedAt: rec.archivedAt });
  });
});

describe('fake HubSpot: rolling rate-limit window', () => {
  it('over thousands of requests, with the clock stepping back, counts exactly the requests of the last interval', () => {
    let now = 0;
    const config = { max: 1500, intervalMs: 1000, dailyMax: undefined, searchPerSecond: 4 as const };
    const limiter = new HubSpotLimiter(config, () => now);
    // The rule: a request counts against the window for `intervalMs` after it was accepted; a refused one never counts.
    let model: number[] = [];
    const expectOne = () => {
      model = model.filter((t) => t > now - config.intervalMs);
      const full = model.length >= config.max;
      if (!full) model.push(now);
      const got = limiter.take('grant', { search: false, privateApp: false });
      const remaining = 'reject' in got ? got.reject.headers?.['X-HubSpot-RateLimit-Remaining'] : got.headers['X-HubSpot-RateLimit-Remaining'];
      return { refused: 'reject' in got, remaining: Number(remaining), want: { refused: full, remaining: full ? 0 : config.max - model.length } };
    };
    // Fill and roll the window; let it empty; half fill it; step back while there is room; roll on.
    const steps: Array<[number, number]> = [[4000, 0.5], [1, 2000], [300, 0.5], [200, -1], [3000, 0.7], [50, 20]];
    let refused = 0;
    for (const [n, dt] of steps) {
      for (let i = 0; i < n; i++) {
        const r = expectOne();
        expect({ refused: r.refused, remaining: r.remaining }, `t=${now}`).toEqual(r.want);
        if (r.refused) refused += 1;
        now += dt;
      }
    }
    // The window filled up and emptied again along the way.
    expect(refused).toBeGreaterThan(0);
    expect(refused).toBeLessThan(7551);
  });
});
