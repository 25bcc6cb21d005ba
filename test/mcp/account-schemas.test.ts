/**
 * Per-account tool schemas: the custom fields an account's override adds are typed properties of that
 * account's create/update inputs (by the CRM's field name) and of its records' custom_fields in the
 * outputs (by key); `stage` lists the account's stage values once a discovery knows them; when the
 * override changes (or a discovery teaches new facts) an open session gets notifications/tools/list_changed
 * and the re-listed schemas follow. The real composition (openRuntime, the shipped definitions) against
 * the Salesforce sandbox, over the SDK's in-memory transport.
 */
import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport } from '@modelcontextprotocol/client';
import type { Tool } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRuntime } from '../../src/cli/open.js';
import type { McpRuntime } from '../../src/mcp/runtime.js';
import { createServer } from '../../src/mcp/server.js';
import { ACCOUNT_IDS, startSandboxCrms, type SandboxCrms } from './helpers/sandbox-crms.js';

let crms: SandboxCrms;
let rt: McpRuntime;
const id = ACCOUNT_IDS.salesforce;

beforeAll(async () => {
  crms = await startSandboxCrms();
  const { env } = await crms.seedStore();
  rt = await openRuntime({}, { stdout: () => {}, stderr: () => {}, env, stdoutIsTty: false });
  await rt.accounts.update(id, (a) => ({
    ...a,
    unified_model_override: { contacts: { custom_fields: { tier: { field: 'Custom_Tier__c', expr: 'Custom_Tier__c', type: 'string', description: 'Support tier' } } } },
  }));
}, 60_000);

afterAll(async () => {
  await rt?.close();
  await crms?.close();
});

async function session() {
  const account = (await rt.accounts.get(id))!;
  const built = await createServer({ account, engine: rt.engine, deps: rt.deps, loadAccount: () => rt.accounts.get(id) });
  const [a, b] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'account-schemas', version: '1' });
  let changed = 0;
  client.setNotificationHandler('notifications/tools/list_changed', () => {
    changed += 1;
  });
  await built.server.connect(a);
  await client.connect(b);
  return { client, changes: () => changed };
}

type Schema = { properties?: Record<string, Schema>; items?: Schema; type?: string | string[]; description?: string; anyOf?: Schema[] };
const tool = (tools: Tool[], name: string) => tools.find((t) => t.name === name)!;
const prop = (s: unknown, ...path: string[]): Schema | undefined =>
  path.reduce<Schema | undefined>((cur, k) => (k === '[]' ? cur?.items : (cur?.properties?.[k] ?? cur?.anyOf?.find((x) => x.properties)?.properties?.[k])), s as Schema);

/** Waits for the notification the call just caused (the in-memory transport delivers it asynchronously). */
async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setImmediate(r));
  expect(ok()).toBe(true);
}

describe('per-account tool schemas', () => {
  it('an override custom field is typed in the inputs (by the CRM name) and in the outputs (by key), and it round-trips', async () => {
    const { client } = await session();
    const { tools } = await client.listTools();
    expect(prop(tool(tools, 'create_contact').inputSchema, 'custom_fields', 'Custom_Tier__c')).toMatchObject({ type: 'string', description: expect.stringContaining('Support tier') });
    expect(prop(tool(tools, 'update_contact').inputSchema, 'custom_fields', 'Custom_Tier__c')?.type).toBe('string');
    const out = prop(tool(tools, 'get_contact').outputSchema, 'contact', 'custom_fields', 'tier');
    expect(JSON.stringify(out)).toContain('"string"');
    expect(prop(tool(tools, 'list_contacts').outputSchema, 'contacts', '[]', 'custom_fields', 'tier')).toBeDefined();
    // Deals have no custom field here: their schemas are the shared ones.
    expect(prop(tool(tools, 'create_deal').inputSchema, 'custom_fields', 'Custom_Tier__c')).toBeUndefined();

    const wrong = await client.callTool({ name: 'create_contact', arguments: { last_name: 'Typed', custom_fields: { Custom_Tier__c: 3 } } });
    expect(wrong.isError).toBe(true);
    expect(JSON.stringify(wrong.content)).toContain('Custom_Tier__c');
    const made = await client.callTool({ name: 'create_contact', arguments: { last_name: 'Typed', custom_fields: { Custom_Tier__c: 'Gold' } } });
    expect(made.isError, JSON.stringify(made.content)).toBeFalsy();
    expect((made.structuredContent as { contact: { custom_fields: unknown } }).contact.custom_fields).toEqual({ tier: 'Gold' });
    await client.close();
  });

  it('an override change reaches an open session: tools/list_changed on the next call, then the new schemas', async () => {
    const { client, changes } = await session();
    expect(prop(tool((await client.listTools()).tools, 'create_contact').inputSchema, 'custom_fields', 'Title')).toBeUndefined();
    await rt.accounts.update(id, (a) => ({
      ...a,
      unified_model_override: {
        contacts: { custom_fields: { tier: { field: 'Custom_Tier__c', expr: 'Custom_Tier__c', type: 'string' }, headline: { field: 'Title', expr: 'Title', type: 'string' } } },
      },
    }));
    const before = changes();
    expect((await client.callTool({ name: 'list_contacts', arguments: { limit: 1 } })).isError).toBeFalsy();
    await until(() => changes() > before);
    expect(prop(tool((await client.listTools()).tools, 'create_contact').inputSchema, 'custom_fields', 'Title')?.type).toBe('string');
    // Nothing changed since: no further notification.
    const after = changes();
    await client.callTool({ name: 'list_contacts', arguments: { limit: 1 } });
    expect(changes()).toBe(after);
    await client.close();
  });

  it("stage is described with the account's stage values once describe_crm has discovered them", async () => {
    await rt.engine.describe((await rt.accounts.get(id))!, { refresh: true });
    const { client } = await session();
    const stage = prop(tool((await client.listTools()).tools, 'update_deal').inputSchema, 'stage');
    expect(stage?.description).toContain('Closed Won');
    expect(stage?.description).toContain('Prospecting');
    await client.close();
  });
});
