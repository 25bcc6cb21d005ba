/**
 * The task agents are measured on — "find a contact by email → update their deal's stage → log a note
 * on the deal" — driven as a scripted agent would, with the SDK Client over Streamable HTTP against the
 * product's own `serve` (openApp, the shipped definitions) and the faithful HubSpot and Salesforce
 * sandboxes. describe_crm is the discovery step (where the valid stage values come from); the task
 * itself is then three tool calls. Also: the stages describe_crm lists are the ones the sandboxes
 * accept, one outside them is refused naming `stage`; association filters; describe_crm stays compact.
 */
import { Client } from '@modelcontextprotocol/client';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { openRuntime } from '../../src/cli/open.js';
import { serve, tokens as tokensCmd } from '../cli/helpers/cli.js';
import { ACCOUNT_IDS, TENANTS, startSandboxCrms, type SandboxCrms } from './helpers/sandbox-crms.js';

type Crm = 'hubspot' | 'salesforce';
let crms: SandboxCrms;
let mcpUrl: string;
const stopServe = new AbortController();
let served: Promise<number>;
const tokenFor = {} as Record<Crm, string>;
const logs: string[] = [];

const io = (env: Record<string, string>, out: string[] = []): CliIo => ({ stdout: (s) => out.push(s), stderr: (s) => logs.push(s), env, stdoutIsTty: false });

beforeAll(async () => {
  crms = await startSandboxCrms();
  const { env } = await crms.seedStore();
  for (const kind of ['hubspot', 'salesforce'] as const) {
    const out: string[] = [];
    expect(await tokensCmd(['create', '--tenant', TENANTS[kind], '--account', ACCOUNT_IDS[kind], '--expires-in', '1h', '--json'], io(env, out), openRuntime), logs.join('')).toBe(0);
    tokenFor[kind] = (JSON.parse(out.join('')) as { token: string }).token;
  }
  const out: string[] = [];
  served = serve(['--port', '0'], io(env, out), openRuntime, { stop: stopServe.signal });
  for (let i = 0; !out.join('').includes('listening'); i++) {
    if (i > 400) throw new Error(`serve did not start: ${logs.join('')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  mcpUrl = (JSON.parse(out.join('')) as { listening: string }).listening;
}, 60_000);

afterAll(async () => {
  stopServe.abort();
  await served;
  await crms?.close();
});

async function connect(kind: Crm): Promise<Client> {
  const client = new Client({ name: 'scripted-agent', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', mcpUrl), { requestInit: { headers: { authorization: `Bearer ${tokenFor[kind]}` } } }));
  return client;
}

const structured = (r: unknown) => (r as CallToolResult).structuredContent as Record<string, unknown>;
const text = (r: unknown) => ((r as CallToolResult).content as Array<{ type: string; text: string }>).map((c) => c.text).join('\n');

interface Pipeline {
  id: string | null;
  label: string;
  stages: Array<{ id: string; label: string }>;
}

/** The discovery step: describe_crm's deal pipelines. */
async function dealPipelines(client: Client): Promise<Pipeline[]> {
  const res = await client.callTool({ name: 'describe_crm', arguments: { object: 'deals' } });
  expect(res.isError, text(res)).toBeFalsy();
  const [deals] = structured(res).objects as Array<{ object: string; pipelines?: Pipeline[] }>;
  expect(deals?.object).toBe('deals');
  return deals?.pipelines ?? [];
}

/** A contact that has a deal, as the sandbox holds it: its email, id and that deal's id and stage. */
function contactWithDeal(kind: Crm): { email: string; contactId: string; dealId: string; stage: string } {
  if (kind === 'hubspot') {
    const s = crms.sb.hubspot.store;
    const edge = s.edges.find((e) => e.fromType === 'deals' && e.toType === 'contacts' && s.edges.filter((x) => x.toType === 'contacts' && x.toId === e.toId).length === 1)!;
    const contact = s.get('contacts', edge.toId)!;
    return { email: contact.properties.email!, contactId: contact.id, dealId: edge.fromId, stage: s.get('deals', edge.fromId)!.properties.dealstage! };
  }
  const s = crms.sb.salesforce.store;
  const roles = [...s.records.OpportunityContactRole.values()];
  const role = roles.find((r) => roles.filter((x) => x.ContactId === r.ContactId).length === 1)!;
  const contact = s.get('Contact', String(role.ContactId))!;
  return { email: String(contact.Email), contactId: String(contact.Id), dealId: String(role.OpportunityId), stage: String(s.get('Opportunity', String(role.OpportunityId))!.StageName) };
}

describe.each(['hubspot', 'salesforce'] as const)('%s', (kind) => {
  it('the agent task takes 3 tool calls after the describe_crm discovery step: search_contacts (with deal ids) → update_deal → log_note', async () => {
    const client = await connect(kind);
    const target = contactWithDeal(kind);
    // Discovery (not part of the task's count): the valid stage values, in pipeline order.
    const stages = (await dealPipelines(client)).flatMap((p) => p.stages.map((s) => s.id));
    const newStage = stages.find((s) => s !== target.stage)!;
    expect(newStage).toBeDefined();

    const task: string[] = [];
    const call = async (name: string, args: Record<string, unknown>) => {
      task.push(name);
      const res = await client.callTool({ name, arguments: args });
      expect(res.isError, `${name}: ${text(res)}`).toBeFalsy();
      return structured(res);
    };
    const found = await call('search_contacts', { query: target.email, include: ['deal_ids'] });
    const [contact] = found.contacts as Array<{ id: string; deal_ids?: string[] }>;
    expect(contact?.id).toBe(target.contactId);
    expect(contact?.deal_ids).toEqual([target.dealId]);
    const updated = await call('update_deal', { id: contact!.deal_ids![0], stage: newStage });
    expect(updated.deal).toMatchObject({ id: target.dealId, stage: newStage, contact_ids: expect.arrayContaining([target.contactId]) });
    const note = await call('log_note', { body: `Moved to ${newStage} after the call`, deal_ids: [target.dealId] });
    expect(note.note).toMatchObject({ deal_ids: [target.dealId] });
    expect(task).toEqual(['search_contacts', 'update_deal', 'log_note']);

    // The sandbox holds the result.
    if (kind === 'hubspot') {
      const s = crms.sb.hubspot.store;
      expect(s.get('deals', target.dealId)!.properties.dealstage).toBe(newStage);
      expect(s.edges.some((e) => e.fromType === 'notes' && e.fromId === (note.note as { id: string }).id && e.toType === 'deals' && e.toId === target.dealId)).toBe(true);
    } else {
      const s = crms.sb.salesforce.store;
      expect(s.get('Opportunity', target.dealId)!.StageName).toBe(newStage);
      expect(s.get('Note', (note.note as { id: string }).id)!.ParentId).toBe(target.dealId);
    }
    await client.close();
  }, 30_000);

  it('describe_crm pipelines and stages are what the sandbox accepts; update_deal with a stage outside them is a validation error naming stage', async () => {
    const client = await connect(kind);
    const pipelines = await dealPipelines(client);
    expect(pipelines.length).toBeGreaterThan(0);
    const { dealId } = contactWithDeal(kind);
    for (const p of pipelines) {
      expect(p.stages.length).toBeGreaterThan(1);
      for (const s of p.stages) {
        const res = await client.callTool({ name: 'update_deal', arguments: { id: dealId, stage: s.id, ...(p.id !== null ? { pipeline: p.id } : {}) } });
        expect(res.isError, `${s.id}: ${text(res)}`).toBeFalsy();
        expect((structured(res).deal as { stage: string }).stage).toBe(s.id);
      }
    }
    // A label instead of the value (HubSpot) or a made-up stage: refused by the CRM, reported on `stage`.
    for (const wrong of [kind === 'hubspot' ? 'Closed Won' : 'closedwon', 'Not a stage']) {
      const res = await client.callTool({ name: 'update_deal', arguments: { id: dealId, stage: wrong } });
      expect(res.isError).toBe(true);
      expect(structured(res).error).toMatchObject({ code: 'validation', fields: ['stage'] });
    }
    await client.close();
  }, 30_000);

  it('list_deals filters by contact_id and company_id, list_notes by deal_id; each one tool call', async () => {
    const client = await connect(kind);
    const { contactId, dealId } = contactWithDeal(kind);
    const byContact = structured(await client.callTool({ name: 'list_deals', arguments: { contact_id: contactId } }));
    expect((byContact.deals as Array<{ id: string }>).map((d) => d.id)).toEqual([dealId]);
    const deal = structured(await client.callTool({ name: 'get_deal', arguments: { id: dealId } })).deal as { company_id: string; contact_ids: string[] };
    expect(deal.contact_ids).toContain(contactId);
    const byCompany = structured(await client.callTool({ name: 'list_deals', arguments: { company_id: deal.company_id, limit: 100 } }));
    const companyDeals = byCompany.deals as Array<{ id: string; company_id?: string }>;
    expect(companyDeals.map((d) => d.id)).toContain(dealId);
    for (const d of companyDeals) expect(d.company_id).toBe(deal.company_id);
    const logged = structured(await client.callTool({ name: 'log_note', arguments: { body: 'Filter me', deal_ids: [dealId] } })).note as { id: string };
    const notes = structured(await client.callTool({ name: 'list_notes', arguments: { deal_id: dealId } })).notes as Array<{ id: string; deal_ids: string[] }>;
    expect(notes.map((n) => n.id)).toContain(logged.id);
    for (const n of notes) expect(n.deal_ids).toContain(dealId);
    await client.close();
  }, 30_000);

  it('describe_crm is compact by default (under 8,000 bytes of text), narrows with object/search, and is served from its cache until refresh', async () => {
    const client = await connect(kind);
    const fake = crms.sb[kind];
    const metadata = kind === 'hubspot' ? /^\/crm\/(properties|pipelines)\// : /\/(describe|query)$/;
    await client.callTool({ name: 'describe_crm', arguments: { refresh: true } });
    const before = fake.log.count(metadata);
    const full = await client.callTool({ name: 'describe_crm', arguments: {} });
    expect(fake.log.count(metadata)).toBe(before);
    expect(structured(full).cached).toBe(true);
    const bytes = Buffer.byteLength(text(full));
    console.info(`describe_crm ${kind}: ${bytes} bytes of text (default), ${JSON.stringify(structured(full)).length} bytes structured`);
    expect(bytes).toBeLessThanOrEqual(8000);
    const objects = (structured(full).objects as Array<{ object: string }>).map((o) => o.object);
    expect(objects).toEqual(['contacts', 'companies', 'deals', 'notes']);
    const search = structured(await client.callTool({ name: 'describe_crm', arguments: { search: 'email' } }));
    const hits = (search.objects as Array<{ properties?: Array<{ name: string }> }>).flatMap((o) => o.properties ?? []).map((p) => p.name.toLowerCase());
    expect(hits).toContain('email');
    for (const h of hits) expect(h).toMatch(/email/);
    await client.callTool({ name: 'describe_crm', arguments: { refresh: true } });
    expect(fake.log.count(metadata)).toBeGreaterThan(before);
    await client.close();
  }, 30_000);
});

describe('salesforce contact roles', () => {
  it('create_deal and update_deal write contact_ids as OpportunityContactRole records (update replaces them); a refused write changes none', async () => {
    const client = await connect('salesforce');
    const s = crms.sb.salesforce.store;
    const [c1, c2, c3] = s.sorted('Contact').slice(-3).map((c) => String(c.Id));
    const rolesOf = (deal: string) => s.sorted('OpportunityContactRole').filter((r) => r.OpportunityId === deal).map((r) => String(r.ContactId)).sort();
    const made = await client.callTool({ name: 'create_deal', arguments: { name: 'Roles', stage: 'Prospecting', close_date: '2027-01-31', contact_ids: [c1, c2] } });
    expect(made.isError, text(made)).toBeFalsy();
    const deal = structured(made).deal as { id: string; contact_ids: string[] };
    expect([...deal.contact_ids].sort()).toEqual([c1, c2].sort());
    expect(rolesOf(deal.id)).toEqual([c1, c2].sort());

    const changed = await client.callTool({ name: 'update_deal', arguments: { id: deal.id, contact_ids: [c2, c3] } });
    expect(changed.isError, text(changed)).toBeFalsy();
    expect([...(structured(changed).deal as { contact_ids: string[] }).contact_ids].sort()).toEqual([c2, c3].sort());
    expect(rolesOf(deal.id)).toEqual([c2, c3].sort());

    // All or none: a stage Salesforce refuses leaves the roles (and the deal) as they were.
    const refused = await client.callTool({ name: 'update_deal', arguments: { id: deal.id, stage: 'Not a stage', contact_ids: [c1] } });
    expect(refused.isError).toBe(true);
    expect(structured(refused).error).toMatchObject({ code: 'validation', fields: ['stage'] });
    expect(rolesOf(deal.id)).toEqual([c2, c3].sort());
    expect(s.get('Opportunity', deal.id)!.StageName).toBe('Prospecting');
    await client.close();
  }, 30_000);
});
