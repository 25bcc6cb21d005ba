/**
 * Issue 14 item 7: ids typed as numbers (`id: 300002`, as LLMs and the Inspector send them) are
 * taken as their decimal string wherever the unified id is a string — the record id of get and
 * update, and the ids inside a write (owner, company, linked records) — against the HubSpot fake.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandboxRig, type SandboxRig } from '../engine/helpers/sandbox-rig.js';
import { connectRig, type RigClient } from './helpers/rig-server.js';

let rig: SandboxRig;
let c: RigClient;
beforeAll(async () => {
  rig = await startSandboxRig();
  await rig.addAccount('hubspot');
  c = await connectRig(rig, 'acct-hubspot');
});
afterAll(async () => {
  await c?.close();
  await rig?.close();
});

const sc = (r: { structuredContent?: unknown }) => r.structuredContent as Record<string, Record<string, unknown>>;

describe('numeric ids', () => {
  it('get_deal and update_deal take id as a number and answer with the string id', async () => {
    const [dealId] = [...rig.sb.hubspot.store.records.deals.keys()];
    const got = await c.call('get_deal', { id: Number(dealId) });
    expect(got.isError, JSON.stringify(got.content)).toBeFalsy();
    expect(sc(got).deal!.id).toBe(dealId);
    const upd = await c.call('update_deal', { id: Number(dealId), amount: 4321 });
    expect(upd.isError, JSON.stringify(upd.content)).toBeFalsy();
    expect(sc(upd).deal).toMatchObject({ id: dealId, amount: 4321 });
  });

  it('ids inside a write (contact_ids of a note, company_id of a contact) are coerced too', async () => {
    const [contactId] = [...rig.sb.hubspot.store.records.contacts.keys()];
    const [companyId] = [...rig.sb.hubspot.store.records.companies.keys()];
    const note = await c.call('log_note', { body: 'numeric ids', contact_ids: [Number(contactId)] });
    expect(note.isError, JSON.stringify(note.content)).toBeFalsy();
    expect(sc(note).note!.contact_ids).toEqual([contactId]);
    const created = await c.call('create_contact', { last_name: 'Numeric', company_id: Number(companyId) });
    expect(created.isError, JSON.stringify(created.content)).toBeFalsy();
    const back = await c.call('get_contact', { id: sc(created).contact!.id });
    expect(sc(back).contact!.company_id).toBe(companyId);
  });

  it('a fraction or a negative number is refused, naming the field', async () => {
    for (const id of [1.5, -3]) {
      const r = await c.call('get_contact', { id });
      expect(r.isError).toBe(true);
      expect(JSON.stringify(r.content)).toMatch(/\bid: /);
    }
  });
});
