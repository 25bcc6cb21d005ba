/**
 * The linked accounts of `crm-mcp sandbox`: one per sandbox CRM in the tenant "sandbox", seeded
 * on the first start and kept in the data directory's store. A fake forgets its grants when it
 * stops, so on every later start it is taught the tokens the store holds now (whatever the
 * clients' refreshes left there): the accounts keep their ids, tokens and status, and client
 * configs printed by an earlier run keep working.
 */
import type { LinkedAccount } from '../accounts/model.js';
import type { Core } from '../app/core.js';
import type { Clock } from '../core/deps.js';
import type { FakeHubSpot, FakeSalesforce } from '../sandbox/index.js';
import type { AccountStore } from '../store/account-store.js';
import { SANDBOX_INTEGRATIONS, type SandboxIntegration } from './sandbox-env.js';
import { putSeededAccount, sandboxAccount } from './seed.js';

export const SANDBOX_TENANT = 'sandbox';
const SANDBOX_ACCOUNT_IDS: Record<SandboxIntegration, string> = { hubspot: 'sandbox-hubspot', salesforce: 'sandbox-salesforce' };

export interface SandboxFakes {
  hubspot: FakeHubSpot;
  salesforce: FakeSalesforce;
}

export interface SandboxAccount {
  integration: SandboxIntegration;
  account: LinkedAccount;
  /** `seeded`: created now; `kept`: found in the store and its tokens handed back to the fake. */
  origin: 'seeded' | 'kept';
}

export async function ensureSandboxAccounts(p: { fakes: SandboxFakes; accounts: AccountStore; core: Core; clock: Clock }): Promise<SandboxAccount[]> {
  const out: SandboxAccount[] = [];
  for (const integration of SANDBOX_INTEGRATIONS) {
    const fake = p.fakes[integration];
    const id = SANDBOX_ACCOUNT_IDS[integration];
    const existing = await p.accounts.get(id);
    const token = existing?.context.oauth?.token;
    if (existing && token) {
      const expiresAt = token.expires_at ? Date.parse(token.expires_at) : undefined;
      const ttl = expiresAt === undefined ? undefined : Math.floor((expiresAt - p.clock.now()) / 1000);
      fake.oauth.seedGrant({
        accessToken: token.access_token,
        refreshToken: token.refresh_token ?? null,
        ...(ttl === undefined ? {} : ttl > 0 ? { accessTokenTtlSeconds: ttl } : { expired: true }),
      });
      // A Salesforce account calls the instance it was given; the fake may listen elsewhere now.
      const moved = integration === 'salesforce' && existing.context.instance_url !== p.fakes.salesforce.instanceUrl;
      const account = moved ? await p.accounts.update(id, (a) => ({ ...a, context: { ...a.context, instance_url: p.fakes.salesforce.instanceUrl } })) : existing;
      out.push({ integration, account, origin: 'kept' });
      continue;
    }
    const grant = fake.oauth.seedGrant({});
    const now = new Date(p.clock.now()).toISOString();
    const account = await putSeededAccount({
      account: sandboxAccount({ id, tenantId: SANDBOX_TENANT, integration, grant, instanceUrl: p.fakes.salesforce.instanceUrl, now }),
      accounts: p.accounts, core: p.core, actor: 'sandbox',
    });
    out.push({ integration, account, origin: 'seeded' });
  }
  return out;
}
