/**
 * Calls every listed tool once with realistic arguments, chaining ids (list → get, create →
 * update, deal → note), and checks each structured result against the tool's declared output
 * schema with Ajv (independently of the Client's own check). Works against any backend.
 */
import type { Client } from '@modelcontextprotocol/client';
import type { CallToolResult, Tool } from '@modelcontextprotocol/client';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { expect } from 'vitest';

export type Called = Record<string, CallToolResult>;

export function outputValidator(tools: Tool[]) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  const byName = new Map(tools.map((t) => [t.name, t.outputSchema ? ajv.compile(t.outputSchema) : undefined]));
  return (name: string, structured: unknown) => {
    const validate = byName.get(name);
    expect(validate, `${name} declares an output schema`).toBeTypeOf('function');
    const ok = validate!(structured);
    expect(ok, `${name} output matches its schema: ${JSON.stringify(validate!.errors)}`).toBe(true);
  };
}

async function call(client: Client, validate: ReturnType<typeof outputValidator>, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  const res = (await client.callTool({ name, arguments: args })) as CallToolResult;
  expect(res.isError, `${name} failed: ${JSON.stringify(res.content)}`).toBeFalsy();
  validate(name, res.structuredContent);
  const keys = Object.keys(res.structuredContent ?? {});
  expect(keys.some((k) => k !== 'rate_limit' && k !== 'next_cursor' && k !== 'error'), `${name} result carries its record(s)`).toBe(true);
  expect(keys).not.toContain('error');
  return res;
}

const first = (res: CallToolResult, key: string): Record<string, unknown> => {
  const rows = (res.structuredContent as Record<string, Array<Record<string, unknown>>>)[key];
  expect(rows?.length, `${key} is not empty`).toBeGreaterThan(0);
  return rows![0]!;
};
const rec = (res: CallToolResult, key: string) => (res.structuredContent as Record<string, Record<string, unknown>>)[key]!;

/** `skip`: tools a stand-in fake cannot serve (named in the calling test); `stamp`: makes created names repeatable. */
export async function exerciseAllTools(client: Client, opts: { skip?: string[]; stamp?: string } = {}): Promise<Called> {
  const { tools } = await client.listTools();
  const names = new Set(tools.map((t) => t.name).filter((n) => !opts.skip?.includes(n)));
  const validate = outputValidator(tools);
  const out: Called = {};
  const run = async (name: string, args: Record<string, unknown>) => (out[name] = await call(client, validate, name, args));
  const stamp = opts.stamp ?? Date.now().toString(36);

  const contacts = await run('list_contacts', { limit: 2 });
  const c = first(contacts, 'contacts');
  await run('get_contact', { id: c.id });
  if (names.has('search_contacts')) {
    const needle = (c.last_name as string | undefined) ?? ((c.emails as Array<{ value: string }>)[0]?.value ?? 'a');
    await run('search_contacts', { query: needle, limit: 5 });
  }
  const created = await run('create_contact', { first_name: 'Grace', last_name: `Hopper${stamp}`, emails: [{ value: `grace.${stamp}@example.com` }] });
  await run('update_contact', { id: rec(created, 'contact').id, title: 'Rear Admiral' });
  const companies = await run('list_companies', { limit: 2 });
  await run('get_company', { id: first(companies, 'companies').id });
  let noteTarget: Record<string, unknown> = { contact_ids: [String(c.id)] };
  if (names.has('list_deals')) {
    const deals = await run('list_deals', { limit: 2 });
    const known = first(deals, 'deals');
    await run('get_deal', { id: known.id });
    // A stage the CRM knows (Salesforce requires one on create).
    const stage = typeof known.stage === 'string' ? { stage: known.stage } : {};
    const deal = await run('create_deal', { name: `Deal ${stamp}`, amount: 1234.5, close_date: '2027-03-31', ...stage });
    const dealId = String(rec(deal, 'deal').id);
    await run('update_deal', { id: dealId, amount: 2000 });
    noteTarget = { deal_ids: [dealId] };
  }
  await run('log_note', { body: `Discussed renewal ${stamp}`, ...noteTarget });
  await run('list_notes', { limit: 5 });
  if (names.has('describe_crm')) await run('describe_crm', {});
  expect(Object.keys(out).sort()).toEqual([...names].sort());
  expect(names.size + (opts.skip?.length ?? 0)).toBe(tools.length);
  return out;
}
