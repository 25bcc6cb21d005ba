/**
 * Linked accounts on the sandbox CRMs: one per CRM, holding a sandbox grant's tokens (encrypted
 * by the store like any account), scheduled for proactive refresh and audited as an import. The
 * demo seeds a fresh tenant with them and mints one MCP access token per account for `serve`;
 * `crm-mcp sandbox` seeds its own tenant once and keeps it (src/demo/sandbox-accounts.ts).
 */
import type { LinkedAccount } from '../accounts/model.js';
import type { AccessTokenStore } from '../access-tokens/store.js';
import type { Core } from '../app/core.js';
import type { Clock } from '../core/deps.js';
import type { SeededGrant, Sandboxes } from '../sandbox/index.js';
import type { AccountStore } from '../store/account-store.js';
import { DEMO_ENVIRONMENT, SANDBOX_INTEGRATIONS, type SandboxIntegration } from './sandbox-env.js';

export const DEMO_TENANT = 'demo-tenant';

export interface SeededAccount {
  account: LinkedAccount;
  /** MCP bearer token for this account (shown once, like `crm-mcp tokens create`). */
  mcpToken: string;
}

/** A linked account holding `grant` on the sandbox `integration` (Salesforce: its `instance_url` as context). */
export function sandboxAccount(p: { id: string; tenantId: string; integration: SandboxIntegration; grant: SeededGrant; instanceUrl?: string; now: string }): LinkedAccount {
  const { grant, integration } = p;
  return {
    id: p.id,
    tenant_id: p.tenantId,
    integration,
    environment: DEMO_ENVIRONMENT,
    status: 'active',
    authentication_method: 'oauth2',
    context: {
      oauth: {
        token: {
          access_token: grant.accessToken,
          ...(grant.refreshToken ? { refresh_token: grant.refreshToken } : {}),
          // What an operator would know: HubSpot said `expires_in`; Salesforce never does, so its
          // expiry is learned the way the definition says (introspection).
          ...(integration === 'hubspot' ? { expires_at: new Date(grant.expiresAt).toISOString() } : {}),
          token_type: 'bearer',
          issued_at: p.now,
        },
      },
      ...(integration === 'salesforce' && p.instanceUrl ? { instance_url: p.instanceUrl } : {}),
    },
    created_at: p.now,
    updated_at: p.now,
    version: 0,
  };
}

/** Writes `account` as a new import: stored (encrypted), audited, put on the refresh schedule. */
export async function putSeededAccount(p: { account: LinkedAccount; accounts: AccountStore; core: Core; actor: string }): Promise<LinkedAccount> {
  const stored = await p.accounts.put(p.account);
  await p.core.audit.append({
    operation: 'import_account', outcome: 'success', actor: p.actor, tenant_id: stored.tenant_id, account_id: stored.id,
    details: { action: 'created', integration: stored.integration, source: `${p.actor} sandbox` },
  });
  await p.core.scheduler.tokenStored(stored);
  return stored;
}

export async function seedDemoTenant(p: { sb: Sandboxes; accounts: AccountStore; core: Core; tokens: AccessTokenStore; clock: Clock }): Promise<SeededAccount[]> {
  const g = p.sb.grants;
  if (!g) throw new Error('the sandboxes were started without grants');
  const now = new Date(p.clock.now()).toISOString();
  const out: SeededAccount[] = [];
  for (const integration of SANDBOX_INTEGRATIONS) {
    const grant = g[integration];
    const account = await putSeededAccount({
      account: sandboxAccount({ id: `demo-${integration}`, tenantId: DEMO_TENANT, integration, grant, instanceUrl: grant.baseUrl, now }),
      accounts: p.accounts, core: p.core, actor: 'demo',
    });
    const { token } = await p.tokens.create({ tenantId: DEMO_TENANT, accountId: account.id, label: 'demo' });
    out.push({ account, mcpToken: token });
  }
  return out;
}
