/**
 * The loopback CRM fakes the MCP end-to-end tests run against, with the accounts and engine
 * settings that reach them. Uses the engine area's stand-in fakes until src/sandbox lands.
 */
import type { LinkedAccount } from '../../../src/accounts/model.js';
import type { Json } from '../../../src/integrations/index.js';
import { startMiniHubSpot, startMiniSalesforce, type MiniFake } from '../../engine/helpers/mini-fakes.js';
import { testAccount } from './accounts.js';

export interface FakeCrms {
  hubspot: MiniFake;
  salesforce: MiniFake;
  accounts: LinkedAccount[];
  /** Engine options that point HubSpot's base URL at the fake and allow the loopback hosts. */
  envOverrides: Record<string, Record<string, Json>>;
  extraAllowedHosts: string[];
  /** Tools the stand-in fakes cannot serve (HubSpot's POST .../contacts/search is not faked). */
  unsupported: Record<'hubspot' | 'salesforce', string[]>;
  close(): Promise<void>;
}

export async function startFakeCrms(): Promise<FakeCrms> {
  const hubspot = await startMiniHubSpot();
  const salesforce = await startMiniSalesforce();
  const now = '2026-01-01T00:00:00.000Z';
  hubspot.data.companies = [
    { id: '300', properties: { name: 'Acme', domain: 'acme.test', createdate: now, hs_lastmodifieddate: now }, createdAt: now, updatedAt: now, archived: false },
  ];
  salesforce.data.Account = [
    { attributes: { type: 'Account' }, Id: '001000000000001AAA', Name: 'Acme', Website: 'acme.test', CreatedDate: '2026-01-01T00:00:00.000+0000', LastModifiedDate: '2026-01-01T00:00:00.000+0000' },
  ];
  const accounts = [
    testAccount({ id: 'acct-hubspot', tenant_id: 'tenant-a', integration: 'hubspot', environment: 'test', context: { oauth: { token: { access_token: hubspot.issueAccessToken() } } } }),
    testAccount({
      id: 'acct-salesforce',
      tenant_id: 'tenant-b',
      integration: 'salesforce',
      environment: 'test',
      context: { oauth: { token: { access_token: salesforce.issueAccessToken() } }, instance_url: salesforce.url },
    }),
  ];
  return {
    hubspot,
    salesforce,
    accounts,
    envOverrides: { test: { hubspot: { base_url: hubspot.url } } },
    extraAllowedHosts: [hubspot.host, salesforce.host],
    unsupported: { hubspot: ['search_contacts'], salesforce: [] },
    close: async () => {
      await hubspot.close();
      await salesforce.close();
    },
  };
}
