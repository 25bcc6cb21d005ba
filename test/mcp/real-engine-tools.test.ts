/** Which tools each account gets, decided by the real engine from the real definitions. */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { describe, expect, it } from 'vitest';
import { cryptoRandom, systemClock } from '../../src/core/deps.js';
import { silentLogger } from '../../src/core/logger.js';
import { createServer } from '../../src/mcp/server.js';
import { testAccount } from './helpers/accounts.js';
import { fixedTokens, realEngine } from './helpers/real-stack.js';

const ALL = ['create_contact', 'create_deal', 'get_company', 'get_contact', 'get_deal', 'list_companies', 'list_contacts', 'list_deals', 'list_notes', 'log_note', 'search_contacts', 'update_contact', 'update_deal'];

async function toolsFor(integration: string) {
  const deps = { clock: systemClock, random: cryptoRandom, logger: silentLogger };
  const account = testAccount({ id: `acct-${integration}`, integration });
  const { engine, crmName } = realEngine(deps, fixedTokens(async () => account, 'at-x'));
  const built = await createServer({ account, engine, deps, crmName: crmName(integration)! });
  const [a, b] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 't', version: '1' });
  await built.server.connect(a);
  await client.connect(b);
  const { tools } = await client.listTools();
  await client.close();
  return tools;
}

describe('tools per integration (real engine + definitions)', () => {
  it('HubSpot and Salesforce get every unified tool, described with their display name', async () => {
    for (const [integration, name] of [
      ['hubspot', 'HubSpot'],
      ['salesforce', 'Salesforce'],
    ] as const) {
      const tools = await toolsFor(integration);
      expect(tools.map((t) => t.name).sort()).toEqual(ALL);
      for (const t of tools) expect(t.description).toContain(name);
    }
  });

  it('a definition without deals gets no deal tools', async () => {
    const tools = await toolsFor('nodeals');
    expect(tools.map((t) => t.name).sort()).toEqual(ALL.filter((n) => !n.includes('deal')));
    expect(tools[0]?.description).toContain('NoDeals CRM');
  });
});
