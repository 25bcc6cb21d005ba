/**
 * Both CRM fakes with seeded data and one ready grant each — what the demo (`crm-mcp demo`) and
 * the benchmarks start. Tokens of the seeded grants are random unless given.
 */
import type { Clock } from '../core/deps.js';
import { startFakeHubSpot, type FakeHubSpot, type FakeHubSpotOptions } from './hubspot/server.js';
import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET } from './oauth/provider.js';
import type { SeededGrant, SeedGrantOptions } from './oauth/types.js';
import { startFakeSalesforce, type FakeSalesforce, type FakeSalesforceOptions } from './salesforce/server.js';

export interface SandboxesOptions {
  clock?: Clock;
  hubspot?: Omit<FakeHubSpotOptions, 'clock'>;
  salesforce?: Omit<FakeSalesforceOptions, 'clock'>;
  /** Grants minted at start (one per CRM). `false` → none. */
  grants?: { hubspot?: SeedGrantOptions; salesforce?: SeedGrantOptions } | false;
}

export interface SandboxGrant extends SeededGrant {
  clientId: string;
  clientSecret: string;
  tokenUrl: string;
  /** HubSpot: its API base; Salesforce: the `instance_url` to store as account context. */
  baseUrl: string;
}

export interface Sandboxes {
  hubspot: FakeHubSpot;
  salesforce: FakeSalesforce;
  grants: { hubspot: SandboxGrant; salesforce: SandboxGrant } | undefined;
  close(): Promise<void>;
}

export async function startSandboxes(opts: SandboxesOptions = {}): Promise<Sandboxes> {
  const clock = opts.clock ? { clock: opts.clock } : {};
  const hubspot = await startFakeHubSpot({ ...opts.hubspot, ...clock });
  let salesforce: FakeSalesforce;
  try {
    salesforce = await startFakeSalesforce({ ...opts.salesforce, ...clock });
  } catch (e) {
    await hubspot.close();
    throw e;
  }
  const secretOf = (clients: Array<{ clientId: string; clientSecret?: string }>, id: string): string => clients.find((c) => c.clientId === id)?.clientSecret ?? '';
  let grants: Sandboxes['grants'];
  if (opts.grants !== false) {
    const hsOpts = opts.grants?.hubspot ?? {};
    const sfOpts = opts.grants?.salesforce ?? {};
    const hsId = hsOpts.clientId ?? hubspot.oauth.clients[0]?.clientId ?? DEFAULT_CLIENT_ID;
    const sfId = sfOpts.clientId ?? salesforce.oauth.clients[0]?.clientId ?? DEFAULT_CLIENT_ID;
    grants = {
      hubspot: { ...hubspot.oauth.seedGrant({ ...hsOpts, clientId: hsId }), clientId: hsId, clientSecret: secretOf(hubspot.oauth.clients, hsId) || DEFAULT_CLIENT_SECRET, tokenUrl: hubspot.tokenUrl, baseUrl: hubspot.url },
      salesforce: { ...salesforce.oauth.seedGrant({ ...sfOpts, clientId: sfId }), clientId: sfId, clientSecret: secretOf(salesforce.oauth.clients, sfId) || DEFAULT_CLIENT_SECRET, tokenUrl: salesforce.tokenUrl, baseUrl: salesforce.instanceUrl },
    };
  }
  return {
    hubspot,
    salesforce,
    grants,
    close: async () => {
      await Promise.all([hubspot.close(), salesforce.close()]);
    },
  };
}
