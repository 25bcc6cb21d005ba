/**
 * Issue 14 item 5: what a client and its model pay for this server. tools/list of the full tool
 * set stays within 6,000 tokens (bytes / 4) with its output schemas and has no finding of the MCP
 * Inspector's schema-portability check; list results give the model one short line per record
 * (the records themselves travel in structuredContent); summaries show only returned fields.
 */
import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport } from '@modelcontextprotocol/client';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cryptoRandom, systemClock } from '../../src/core/deps.js';
import { createServer } from '../../src/mcp/server.js';
import { createMemoryLogger } from '../helpers/logger.js';
import { testAccount } from './helpers/accounts.js';
import { createMemoryEngine } from './helpers/memory-engine.js';
import { startRigClients, type RigClient } from './helpers/rig-server.js';
import { lintSchema, lintTools, OPENAI_NAME } from './helpers/schema-lint.js';

const TOKEN_BUDGET = 6_000;
const TEXT_BUDGET = 2_048;

async function toolsList() {
  const built = await createServer({ account: testAccount(), engine: createMemoryEngine(), deps: { clock: systemClock, random: cryptoRandom, logger: createMemoryLogger() } });
  const [a, b] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'budget', version: '1' });
  await built.server.connect(a);
  await client.connect(b);
  const list = await client.listTools();
  await client.close();
  await built.cleanup();
  return list;
}

const text = (r: CallToolResult) => (r.content as Array<{ type: string; text: string }>).map((c) => c.text).join('\n');

describe('tools/list budget and portability', () => {
  it('the full tool set with output schemas is at most 6,000 tokens (bytes / 4)', async () => {
    const list = await toolsList();
    expect(list.tools).toHaveLength(14);
    const bytes = Buffer.byteLength(JSON.stringify(list));
    console.info(`tools/list: ${bytes} bytes = ${Math.ceil(bytes / 4)} tokens for ${list.tools.length} tools`);
    expect(bytes / 4).toBeLessThanOrEqual(TOKEN_BUDGET);
    for (const t of list.tools) expect(t.outputSchema, t.name).toBeDefined();
  });

  it('has no schema-portability finding (the Inspector\'s rules), declares no draft, and fits OpenAI function tools', async () => {
    const { tools } = await toolsList();
    expect(lintTools(tools)).toEqual([]);
    for (const t of tools) {
      expect(t.name).toMatch(OPENAI_NAME);
      expect(t.inputSchema, t.name).not.toHaveProperty('$schema');
      expect(t.outputSchema, t.name).not.toHaveProperty('$schema');
    }
    // Strict-mode keywords only; the one open object is custom_fields (CRM field names are the account's own).
    const openai = lintTools(tools, { openai: true }).filter((f) => f.schema === 'inputSchema');
    expect(openai.filter((f) => !(f.rule === 'openai-open-object' && f.path === 'properties.custom_fields'))).toEqual([]);
  });

  it('the check reports what the Inspector reports: type arrays, bare {} and true, remote refs', () => {
    const old = {
      type: 'object',
      properties: { name: { type: ['string', 'null'] }, custom: { type: 'object', additionalProperties: {} }, any: true, ref: { $ref: 'https://example.com/s.json' } },
    };
    expect(lintSchema('t', 'outputSchema', old).map((f) => `${f.rule} ${f.path}`).sort()).toEqual([
      'boolean-schema properties.any',
      'remote-ref properties.ref',
      'type-union properties.name',
      'untyped-schema properties.custom.additionalProperties',
    ]);
  });
});

describe('list and record text against the sandboxes', () => {
  let clients: Record<string, RigClient>;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ clients, close } = await startRigClients());
  });
  afterAll(() => close?.());

  for (const crm of ['hubspot', 'salesforce'] as const) {
    it(`${crm}: tools/list with this CRM's definition (descriptions, refusals) stays within the budget and portable`, async () => {
      const list = await clients[crm]!.client.listTools();
      const bytes = Buffer.byteLength(JSON.stringify(list));
      console.info(`${crm} tools/list: ${bytes} bytes = ${Math.ceil(bytes / 4)} tokens for ${list.tools.length} tools`);
      expect(bytes / 4).toBeLessThanOrEqual(TOKEN_BUDGET);
      expect(lintTools(list.tools)).toEqual([]);
    });

    for (const tool of ['list_contacts', 'list_companies', 'list_deals', 'list_notes', 'search_contacts'] as const) {
      it(`${crm} ${tool}: 10 records are at most 2 KB of text, a line each plus next_cursor; the records only in structuredContent`, async () => {
        const r = await clients[crm]!.call(tool, { limit: 10, ...(tool === 'search_contacts' ? { query: 'a' } : {}) });
        expect(r.isError, text(r)).toBeFalsy();
        const key = tool === 'search_contacts' ? 'contacts' : tool.slice('list_'.length);
        const sc = r.structuredContent as Record<string, unknown>;
        const records = sc[key] as Array<Record<string, unknown>>;
        expect(records).toHaveLength(10);
        const t = text(r);
        expect(r.content).toHaveLength(1);
        expect(Buffer.byteLength(t)).toBeLessThanOrEqual(TEXT_BUDGET);
        const lines = t.split('\n');
        expect(lines).toHaveLength(11);
        expect(lines[0]).toContain(`pass next_cursor "${sc.next_cursor as string}"`);
        records.forEach((rec, i) => expect(lines[i + 1]).toMatch(new RegExp(`^- .*\\(id ${rec.id as string}\\)$`)));
        // Full records: every unified field is present in structuredContent, none in the text as JSON.
        expect(Object.keys(records[0]!).length).toBeGreaterThan(5);
        expect(t).not.toContain('{"');
      });
    }

    it(`${crm}: response_format detailed adds the records as JSON text`, async () => {
      const r = await clients[crm]!.call('list_deals', { limit: 3, response_format: 'detailed' });
      expect(r.content).toHaveLength(2);
      expect(JSON.parse((r.content as Array<{ text: string }>)[1]!.text)).toEqual((r.structuredContent as { deals: unknown }).deals);
    });

    it(`${crm}: fields leaving the name out give a summary of what came back, never "(no name)"`, async () => {
      const page = await clients[crm]!.call('list_deals', { limit: 1, fields: ['stage'] });
      const deal = (page.structuredContent as { deals: Array<{ id: string; stage: string }> }).deals[0]!;
      expect(text(page)).not.toContain('no name');
      expect(text(page).split('\n')[1]).toBe(`- stage ${deal.stage} (id ${deal.id})`);
      const got = await clients[crm]!.call('get_deal', { id: deal.id, fields: ['amount'], response_format: 'concise' });
      expect(text(got)).toMatch(new RegExp(`^Deal (\\d+(\\.\\d+)? )?\\(id ${deal.id}\\) in ${crm === 'hubspot' ? 'HubSpot' : 'Salesforce'}\\.`));
      expect(text(got)).not.toContain('no name');
      const onlyId = await clients[crm]!.call('get_contact', { id: (await firstId(clients[crm]!, 'list_contacts', 'contacts')), fields: ['updated_at'], response_format: 'concise' });
      expect(text(onlyId)).toMatch(/^Contact \(id [^)]+\) in /);
    });
  }
});

async function firstId(c: RigClient, tool: string, key: string): Promise<string> {
  const r = await c.call(tool, { limit: 1 });
  return ((r.structuredContent as Record<string, Array<{ id: string }>>)[key]![0]!).id;
}
