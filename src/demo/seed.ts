/**
 * Seeds the demo tenant: one linked account per sandbox CRM, holding the sandbox grant's tokens
 * (encrypted by the store like any account), scheduled for proactive refresh, audited as an
 * import, and one MCP access token per account for `serve`.
 */
import type { LinkedAccount } from '../accounts/model.js';
import type { AccessTokenStore } from '../access-tokens/store.js';
import type { Core } from '../app/core.js';
import type { Clock } from '../core/deps.js';
import type { Sandboxes } from '../sandbox/index.js';
import type { AccountStore } from '../store/account-store.js';
import { DEMO_ENVIRONMENT } from './sandbox-env.js';

export const DEMO_TENANT = 'demo-tenant';

export interface SeededAccount {
  account: LinkedAccount;
  /** MCP bearer token for this account (shown once, like `crm-mcp tokens create`). */
  mcpToken: string;
}

export async function seedDemoTenant(p: { sb: Sandboxes; accounts: AccountStore; core: Core; tokens: AccessTokenStore; clock: Clock }): Promise<SeededAccount[]> {
  const g = p.sb.grants;
  if (!g) throw new Error('the sandboxes were started without grants');
  const now = new Date(p.clock.now()).toISOString();
  const out: SeededAccount[] = [];
  for (const integration of ['hubspot', 'salesforce'] as const) {
    const grant = g[integration];
    const account: LinkedAccount = {
      id: `demo-${integration}`,
      tenant_id: DEMO_TENANT,
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
            issued_at: now,
          },
        },
        ...(integration === 'salesforce' ? { instance_url: grant.baseUrl } : {}),
      },
      created_at: now,
      updated_at: now,
      version: 0,
    };
    await p.accounts.put(account);
    await p.core.audit.append({ operation: 'import_account', outcome: 'success', actor: 'demo', tenant_id: DEMO_TENANT, account_id: account.id, details: { action: 'created', integration, source: 'demo sandbox' } });
    await p.core.scheduler.tokenStored(account);
    const { token } = await p.tokens.create({ tenantId: DEMO_TENANT, accountId: account.id, label: 'demo' });
    out.push({ account, mcpToken: token });
  }
  return out;
}
