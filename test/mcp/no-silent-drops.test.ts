/**
 * Issue 14 item 4, no silent drops: every input field of every write tool, on every integration,
 * is either stored (the record read back afterwards carries it) or refused with a `validation`
 * error naming the field, before any provider request. The walk is generated from the tools'
 * own advertised input schemas (a new field is walked automatically), through a real SDK Client,
 * against the faithful fakes over loopback HTTP. Custom fields are walked through an account
 * override that maps one CRM field for reading.
 */
import type { CallToolResult, Tool } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTROL_ARGS } from '../../src/mcp/tools/write-schemas.js';
import { startSandboxRig, type SandboxRig } from '../engine/helpers/sandbox-rig.js';
import { connectRig, type RigClient } from './helpers/rig-server.js';

type Crm = 'hubspot' | 'salesforce';
type Rec = Record<string, unknown>;
const WRITE_TOOLS = ['create_contact', 'update_contact', 'create_deal', 'update_deal', 'log_note'] as const;
type WriteTool = (typeof WRITE_TOOLS)[number];

/** The CRM field each integration's override maps into custom_fields (same key), per resource. */
const CUSTOM: Record<Crm, Record<'contacts' | 'deals', { field: string; expr: string }>> = {
  hubspot: { contacts: { field: 'city', expr: 'properties.city' }, deals: { field: 'description', expr: 'properties.description' } },
  salesforce: { contacts: { field: 'Description', expr: 'Description' }, deals: { field: 'Description', expr: 'Description' } },
};
const STAGE: Record<Crm, string> = { hubspot: 'closedwon', salesforce: 'Closed Won' };
const PIPELINE: Record<Crm, string> = { hubspot: 'default', salesforce: 'default' };

interface Ids {
  contact: string;
  company: string;
  deal: string;
  owner: string;
}

let rig: SandboxRig;
const clients = {} as Record<Crm, RigClient>;
const tools = {} as Record<Crm, Tool[]>;
const ids = {} as Record<Crm, Ids>;
const outcomes: string[] = [];
let stamp = 0;

const sc = (r: CallToolResult) => (r.structuredContent ?? {}) as Record<string, Rec>;

beforeAll(async () => {
  // A HubSpot limit the walk cannot exhaust: a throttled answer would hide the outcome under test.
  rig = await startSandboxRig({ sandboxes: { hubspot: { rateLimit: { max: 1_000_000 } } } });
  for (const crm of ['hubspot', 'salesforce'] as const) {
    const custom = CUSTOM[crm];
    await rig.addAccount(crm, {
      unified_model_override: {
        contacts: { custom_fields: { [custom.contacts.field]: custom.contacts }, fields: [...rig.registry.get(crm).resources.contacts!.fields, custom.contacts.field] },
        deals: { custom_fields: { [custom.deals.field]: custom.deals } },
      },
    });
    clients[crm] = await connectRig(rig, `acct-${crm}`);
    tools[crm] = (await clients[crm].client.listTools()).tools;
    const first = async (tool: string, key: string) => ((sc(await clients[crm].call(tool, { limit: 1 }))[key] as unknown as Rec[])[0]!);
    const deal = await first('list_deals', 'deals');
    ids[crm] = { contact: (await first('list_contacts', 'contacts')).id as string, company: (await first('list_companies', 'companies')).id as string, deal: deal.id as string, owner: deal.owner_id as string };
  }
});
afterAll(async () => {
  console.info(`no-silent-drops outcomes (tool × integration × field):\n${outcomes.join('\n')}`);
  for (const c of Object.values(clients)) await c.close();
  await rig?.close();
});

/** A value for `field` that the CRM can store, and how the read-back must show it. */
function sample(crm: Crm, tool: WriteTool, field: string, entries = 1): { value: unknown; stored(back: Rec): boolean } {
  const i = ids[crm];
  const n = ++stamp;
  const eq = (v: unknown) => ({ value: v, stored: (b: Rec) => b[field] === v });
  const has = (v: string[]) => ({ value: v, stored: (b: Rec) => v.every((x) => (b[field] as string[] | undefined)?.includes(x)) });
  const resource = tool.endsWith('contact') ? 'contacts' : 'deals';
  switch (field) {
    case 'emails':
    case 'phones': {
      // Every entry given must come back: `entries` of them, the first without a type.
      const vs = Array.from({ length: entries }, (_, k) => (field === 'emails' ? `walker.${n}.${k}@example.com` : `+1 555 01${String(n).padStart(2, '0')}${k}`));
      return {
        value: vs.map((v, k) => (k === 0 ? { value: v } : { value: v, type: 'work' })),
        stored: (b) => vs.every((v) => (b[field] as Array<{ value: string }>).some((e) => e.value === v)),
      };
    }
    case 'amount':
      return eq(1000 + n + 0.5);
    case 'currency':
      return eq('EUR');
    case 'stage':
      return eq(STAGE[crm]);
    case 'pipeline':
      return eq(PIPELINE[crm]);
    case 'close_date':
      return eq('2027-03-31');
    case 'owner_id':
      return eq(i.owner);
    case 'company_id':
      return eq(i.company);
    case 'contact_ids':
      return has([i.contact]);
    case 'company_ids':
      return has([i.company]);
    case 'deal_ids':
      return has([i.deal]);
    case 'custom_fields': {
      const key = CUSTOM[crm][resource].field;
      const v = `custom ${n}`;
      return { value: { [key]: v }, stored: (b) => (b.custom_fields as Rec | undefined)?.[key] === v };
    }
    default:
      return eq(`Walker ${field} ${n}`);
  }
}

/** The fields every call of `tool` needs besides the one under test (the CRM's required ones, a link for a note). */
function base(crm: Crm, tool: WriteTool, field: string): Rec {
  const i = ids[crm];
  switch (tool) {
    case 'create_contact':
      return { last_name: `Walker ${++stamp}` };
    case 'update_contact':
      return { id: i.contact };
    case 'create_deal':
      return { name: `Walker deal ${++stamp}`, stage: STAGE[crm], close_date: '2027-01-15' };
    case 'update_deal':
      return { id: i.deal };
    case 'log_note':
      return { body: `Walker note ${++stamp}`, ...(['contact_ids', 'company_ids', 'deal_ids'].includes(field) ? {} : { contact_ids: [i.contact] }) };
  }
}

async function readBack(crm: Crm, tool: WriteTool, id: string): Promise<Rec> {
  if (tool === 'log_note') {
    // No get tool for notes: the engine's own get reads the stored note.
    const r = await rig.run(`acct-${crm}`, { resource: 'notes', method: 'get', id });
    if (!r.ok) throw new Error(`${crm} note ${id}: ${r.error.message}`);
    return r.data as Rec;
  }
  const [getTool, key] = tool.endsWith('contact') ? ['get_contact', 'contact'] : ['get_deal', 'deal'];
  const r = await clients[crm].call(getTool, { id });
  expect(r.isError, `${crm} ${getTool} ${id}: ${JSON.stringify(r.content)}`).toBeFalsy();
  return sc(r)[key]!;
}

describe.each(['hubspot', 'salesforce'] as const)('%s: every write field is stored or refused', (crm) => {
  it.each(WRITE_TOOLS)('%s', async (tool) => {
    const schema = tools[crm].find((t) => t.name === tool)?.inputSchema;
    expect(schema, `${crm} offers ${tool}`).toBeDefined();
    const fields = Object.keys(schema!.properties ?? {}).filter((f) => !(CONTROL_ARGS as readonly string[]).includes(f));
    expect(fields.length).toBeGreaterThan(0);
    const log = rig.sb[crm].log;
    // Each field once; lists of entries (emails, phones) also with two, which a CRM may not keep.
    const cases = fields.flatMap((field) => (['emails', 'phones'].includes(field) ? [{ field, entries: 1 }, { field, entries: 2 }] : [{ field, entries: 1 }]));
    for (const { field, entries } of cases) {
      const s = sample(crm, tool, field, entries);
      const args = { ...base(crm, tool, field), [field]: s.value };
      const before = log.entries.length;
      const r = await clients[crm].call(tool, args);
      if (r.isError) {
        const error = sc(r).error as { code?: string; fields?: string[]; message?: string } | undefined;
        expect(error?.code, `${crm} ${tool}.${field} failed without being a refusal: ${JSON.stringify(error)}`).toBe('validation');
        expect(error?.fields, `${crm} ${tool}.${field}: the refusal names the field`).toContain(field);
        expect(log.entries.length, `${crm} ${tool}.${field}: refused before any provider request`).toBe(before);
        if (entries === 1) expect(tools[crm].find((t) => t.name === tool)?.description, `${crm} ${tool} says it refuses ${field}`).toMatch(new RegExp(`cannot store [^.]*\\b${field}\\b`));
        outcomes.push(`${crm} ${tool}.${field}${entries > 1 ? ` (${entries} entries)` : ''}: refused (${error?.message ?? ''})`);
        continue;
      }
      const written = Object.values(sc(r)).find((v) => v && typeof v === 'object' && 'id' in v) as Rec;
      const back = await readBack(crm, tool, written.id as string);
      expect(s.stored(back), `${crm} ${tool}.${field} = ${JSON.stringify(s.value)} was accepted but the record read back has ${JSON.stringify(back[field])}: a silent drop`).toBe(true);
      outcomes.push(`${crm} ${tool}.${field}${entries > 1 ? ` (${entries} entries)` : ''}: stored`);
    }
  });
});
