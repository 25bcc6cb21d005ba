/**
 * The faithful fakes of src/sandbox (HubSpot, Salesforce) as the MCP tests meet them: accounts
 * with their own fresh grants, written into a real encrypted store (SQLite, as the CLI opens it),
 * the OAuth client variables the token manager reads, and the engine settings that point the real
 * definitions at the fakes. Also a third integration, "nodeals" (HubSpot's definition without
 * deals, served by the HubSpot fake), for the per-definition tool list.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LinkedAccount } from '../../../src/accounts/model.js';
import { loadConfig } from '../../../src/app/config.js';
import { openStore } from '../../../src/app/open-store.js';
import type { Clock } from '../../../src/core/deps.js';
import type { Json } from '../../../src/integrations/index.js';
import { startSandboxes, type FakeHubSpotOptions, type Sandboxes } from '../../../src/sandbox/index.js';
import { configEnvironments, writeConfigFile } from '../../helpers/dist.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
/** Fixed so that tests can check it never leaks; any 32-byte key works. */
export const TEST_ENCRYPTION_KEY = `k1:${Buffer.alloc(32, 7).toString('base64')}`;

export type Kind = 'hubspot' | 'salesforce' | 'nodeals';
export const ACCOUNT_IDS: Record<Kind, string> = { hubspot: 'acct-hubspot', salesforce: 'acct-salesforce', nodeals: 'acct-nodeals' };
export const TENANTS: Record<Kind, string> = { hubspot: 'tenant-a', salesforce: 'tenant-b', nodeals: 'tenant-a' };

export interface SandboxCrms {
  sb: Sandboxes;
  envOverrides: Record<string, Record<string, Json>>;
  insecureHosts: string[];
  /** Holds nodeals.json. */
  definitionsDir: string;
  /** The config file (environments, integrationsDir, insecureHosts) that points crm-mcp at the fakes; in `envFor` as CRM_MCP_CONFIG. */
  configFile: string;
  /** Every secret handed out so far (access and refresh tokens, client secrets). */
  secrets: string[];
  /** Accounts backed by grants minted now (one set per store, so no two processes share a refresh token). */
  mintAccounts(): LinkedAccount[];
  /**
   * A new data dir whose encrypted SQLite store holds freshly minted accounts; its process
   * environment. `keyFile`: no key in the environment, the store generates <dataDir>/keys.json.
   */
  seedStore(opts?: { keyFile?: boolean }): Promise<{ dataDir: string; env: Record<string, string>; accounts: LinkedAccount[] }>;
  /** Environment for a process that opens `dataDir` (key, OAuth clients, the config file). */
  envFor(dataDir: string): Record<string, string>;
  close(): Promise<void>;
}

function writeNoDealsDefinition(dir: string): void {
  const raw = JSON.parse(readFileSync(`${ROOT}integrations/hubspot.json`, 'utf8')) as { name: string; display_name: string; $schema?: string; resources: Record<string, unknown> };
  raw.name = 'nodeals';
  raw.display_name = 'NoDeals CRM';
  delete raw.$schema;
  delete raw.resources.deals;
  writeFileSync(join(dir, 'nodeals.json'), JSON.stringify(raw));
}

export async function startSandboxCrms(opts: { clock?: Clock; hubspot?: Pick<FakeHubSpotOptions, 'seed' | 'rateLimit'> } = {}): Promise<SandboxCrms> {
  // Small SOQL batches so Salesforce lists page like HubSpot's; search unthrottled (tests search freely).
  const sb = await startSandboxes({
    ...(opts.clock ? { clock: opts.clock } : {}),
    hubspot: { ...opts.hubspot, rateLimit: { searchPerSecond: false, ...opts.hubspot?.rateLimit } },
    salesforce: { minQueryBatchSize: 1 },
  });
  const g = sb.grants!;
  const hs = sb.hubspot;
  const sf = sb.salesforce;
  const definitionsDir = mkdtempSync(join(tmpdir(), 'crm-defs-'));
  writeNoDealsDefinition(definitionsDir);
  const hubspotAuth = { token_url: hs.tokenUrl, introspect_url: hs.introspectUrl, revoke_url: hs.revokeUrl };
  const envOverrides: Record<string, Record<string, Json>> = {
    test: {
      hubspot: { base_url: hs.url, auth: hubspotAuth },
      nodeals: { base_url: hs.url, auth: hubspotAuth },
      salesforce: { auth: { token_url: sf.tokenUrl, introspect_url: sf.introspectUrl, revoke_url: sf.revokeUrl } },
    },
  };
  const insecureHosts = [new URL(hs.url).host, new URL(sf.url).host];
  // The fakes reached the way an operator points crm-mcp anywhere: a config file.
  const configFile = writeConfigFile({ environments: configEnvironments(envOverrides), integrationsDir: [definitionsDir], insecureHosts });
  const secrets = [g.hubspot.clientSecret, g.salesforce.clientSecret, TEST_ENCRYPTION_KEY.slice(3)];
  const now = new Date().toISOString();

  const mintAccounts = (): LinkedAccount[] =>
    (['hubspot', 'salesforce', 'nodeals'] as const).map((kind) => {
      const fake = kind === 'salesforce' ? sf : hs;
      const grant = fake.oauth.seedGrant({ clientId: kind === 'salesforce' ? g.salesforce.clientId : g.hubspot.clientId });
      secrets.push(grant.accessToken, ...(grant.refreshToken ? [grant.refreshToken] : []));
      return {
        id: ACCOUNT_IDS[kind],
        tenant_id: TENANTS[kind],
        integration: kind,
        environment: 'test',
        status: 'active',
        authentication_method: 'oauth2',
        context: {
          oauth: {
            token: {
              access_token: grant.accessToken,
              ...(grant.refreshToken ? { refresh_token: grant.refreshToken } : {}),
              // Salesforce's token response has no expiry; this is what the token manager stores once it learned it.
              expires_at: new Date(grant.expiresAt).toISOString(),
            },
          },
          ...(kind === 'salesforce' ? { instance_url: g.salesforce.baseUrl } : {}),
        },
        created_at: now,
        updated_at: now,
        version: 1,
      } satisfies LinkedAccount;
    });

  const envFor = (dataDir: string): Record<string, string> => ({
    ...(process.env as Record<string, string>),
    CRM_MCP_DATA_DIR: dataDir,
    CRM_MCP_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    CRM_MCP_HUBSPOT_CLIENT_ID: g.hubspot.clientId,
    CRM_MCP_HUBSPOT_CLIENT_SECRET: g.hubspot.clientSecret,
    CRM_MCP_NODEALS_CLIENT_ID: g.hubspot.clientId,
    CRM_MCP_NODEALS_CLIENT_SECRET: g.hubspot.clientSecret,
    CRM_MCP_SALESFORCE_CLIENT_ID: g.salesforce.clientId,
    CRM_MCP_SALESFORCE_CLIENT_SECRET: g.salesforce.clientSecret,
    CRM_MCP_CONFIG: configFile,
  });

  return {
    sb,
    envOverrides,
    insecureHosts,
    definitionsDir,
    configFile,
    secrets,
    mintAccounts,
    envFor,
    async seedStore(o = {}) {
      const dataDir = mkdtempSync(join(tmpdir(), 'crm-mcp-data-'));
      const env = envFor(dataDir);
      if (o.keyFile) delete env.CRM_MCP_ENCRYPTION_KEY;
      const store = await openStore(loadConfig({ env }), { notice: () => {}, create: true });
      const accounts = mintAccounts();
      try {
        for (const a of accounts) await store.accounts.put(a);
      } finally {
        await store.close();
      }
      return { dataDir, env, accounts };
    },
    close: () => sb.close(),
  };
}
