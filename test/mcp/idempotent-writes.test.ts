/**
 * Issue 14 item 6 in one process: idempotency_key and dry_run on the write tools, through an SDK
 * Client against the faithful fakes (the requests counted are the fakes' own request logs).
 * Across two `serve` replicas on Redis: idempotent-replicas.test.ts.
 */
import type { CallToolResult } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxRig } from '../engine/helpers/sandbox-rig.js';
import { startRigClients, type RigClient } from './helpers/rig-server.js';

let rig: SandboxRig;
let c: Record<'hubspot' | 'salesforce', RigClient>;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ rig, clients: c, close } = await startRigClients());
});
afterAll(() => close?.());

const sc = (r: CallToolResult) => (r.structuredContent ?? {}) as Record<string, Record<string, unknown>>;
const text = (r: CallToolResult) => (r.content as Array<{ text: string }>).map((x) => x.text).join('\n');
const writes = (crm: 'hubspot' | 'salesforce') => rig.sb[crm].log.entries.filter((e) => e.method !== 'GET').length;

describe('idempotency_key', () => {
  it('create_contact retried with the same key makes 1 provider request and replays the first result', async () => {
    const before = rig.sb.hubspot.log.count(/\/contacts$/, 'POST');
    const args = { first_name: 'Idem', last_name: 'Potent', idempotency_key: 'retry-1' };
    const first = await c.hubspot.call('create_contact', args);
    expect(first.isError, text(first)).toBeFalsy();
    const again = await c.hubspot.call('create_contact', args);
    expect(again.isError, text(again)).toBeFalsy();
    expect(rig.sb.hubspot.log.count(/\/contacts$/, 'POST') - before).toBe(1);
    expect(sc(again).contact).toEqual(sc(first).contact);
    expect(text(again)).toContain('Replayed the stored result');
    expect(text(first)).not.toContain('Replayed');
  });

  it('the same key with different arguments is a validation error naming idempotency_key; nothing is sent', async () => {
    await c.hubspot.call('create_contact', { last_name: 'Once', idempotency_key: 'retry-2' });
    const sent = writes('hubspot');
    const r = await c.hubspot.call('create_contact', { last_name: 'Twice', idempotency_key: 'retry-2' });
    expect(r.isError).toBe(true);
    expect(sc(r).error).toMatchObject({ code: 'validation', fields: ['idempotency_key'] });
    expect(writes('hubspot')).toBe(sent);
  });

  it('concurrent duplicates write once: the second waits for the first result and replays it', async () => {
    const before = rig.sb.salesforce.log.count(/\/sobjects\/Contact\/$/, 'POST');
    const args = { last_name: 'Concurrent', idempotency_key: 'together' };
    const both = Promise.all([c.salesforce.call('create_contact', args), c.salesforce.call('create_contact', args)]);
    let done = false;
    void both.then(() => (done = true));
    // The duplicate polls on the injected clock: move it until both have answered.
    while (!done) await rig.clock.advance(50);
    const [a, b] = await both;
    expect(Boolean(a.isError) || Boolean(b.isError), `${text(a)} / ${text(b)}`).toBe(false);
    expect(rig.sb.salesforce.log.count(/\/sobjects\/Contact\/$/, 'POST') - before).toBe(1);
    expect(sc(a).contact!.id).toBe(sc(b).contact!.id);
  });

  it('keys are per account, and a failed write is not remembered (its retry sends again)', async () => {
    const [dealId] = [...rig.sb.hubspot.store.records.deals.keys()];
    const bad = { id: dealId, stage: 'no-such-stage', idempotency_key: 'fails' };
    const sent = writes('hubspot');
    expect((await c.hubspot.call('update_deal', bad)).isError).toBe(true);
    expect((await c.hubspot.call('update_deal', bad)).isError).toBe(true);
    expect(writes('hubspot') - sent).toBe(2);
    const sfSent = rig.sb.salesforce.log.count(/\/sobjects\/Contact\/$/, 'POST');
    expect((await c.salesforce.call('create_contact', { first_name: 'Idem', last_name: 'Potent', idempotency_key: 'retry-1' })).isError).toBeFalsy();
    expect(rig.sb.salesforce.log.count(/\/sobjects\/Contact\/$/, 'POST') - sfSent).toBe(1);
  });
});

describe('dry_run', () => {
  it('returns the exact write request without sending it or asking for a token; no credential in it', async () => {
    const sent = { hubspot: rig.sb.hubspot.log.entries.length, salesforce: rig.sb.salesforce.log.entries.length };
    const hs = await c.hubspot.call('create_deal', { name: 'Dry', amount: 12.5, stage: 'closedwon', dry_run: true });
    expect(hs.isError, text(hs)).toBeFalsy();
    const d = sc(hs).dry_run!;
    expect(d).toMatchObject({ method: 'POST', url: `${rig.sb.hubspot.url}/crm/objects/2026-03/deals`, then_get: true });
    expect(d.body).toEqual({ properties: { dealname: 'Dry', amount: '12.5', dealstage: 'closedwon' }, associations: [] });
    expect(Object.keys(d.headers as object).map((h) => h.toLowerCase())).not.toContain('authorization');
    expect(text(hs)).toContain('nothing was sent');

    const [contactId] = rig.sb.salesforce.store.sorted('Contact').map((r) => String(r.Id));
    const sf = await c.salesforce.call('update_contact', { id: contactId, title: 'CFO', dry_run: true });
    expect(sc(sf).dry_run).toMatchObject({ method: 'PATCH', body: { Title: 'CFO' } });
    expect(sc(sf).dry_run!.url).toMatch(new RegExp(`/services/data/v62\\.0/sobjects/Contact/${contactId}$`));
    const everything = JSON.stringify([hs, sf]);
    for (const g of Object.values(rig.sb.grants!)) {
      expect(everything).not.toContain(g.accessToken);
      if (g.refreshToken) expect(everything).not.toContain(g.refreshToken);
    }
    expect({ hubspot: rig.sb.hubspot.log.entries.length, salesforce: rig.sb.salesforce.log.entries.length }).toEqual(sent);
  });

  it('refuses what the real write would refuse: a field the CRM cannot store, a second note parent', async () => {
    const r = await c.salesforce.call('create_deal', { name: 'Dry', stage: 'Prospecting', close_date: '2027-01-01', currency: 'EUR', dry_run: true });
    expect(sc(r).error).toMatchObject({ code: 'validation', fields: ['currency'] });
    const ids = rig.sb.salesforce.store.sorted('Contact').slice(0, 2).map((x) => String(x.Id));
    expect(sc(await c.salesforce.call('log_note', { body: 'x', contact_ids: ids, dry_run: true })).error).toMatchObject({ code: 'validation' });
  });
});
