/**
 * How the demo points the real product at the built-in sandboxes — with the same config file
 * keys an operator uses: an environment override (`environments`) that moves each
 * integration's API and token endpoints to the loopback fakes, the fakes' hosts as
 * `insecureHosts` (plain http allowed), and the sandbox OAuth clients as the operator's own
 * (`oauthClients`). Everything else — definitions, engine, token manager, encrypted store — is
 * the real thing, opened by the same composition root as `serve`.
 */
import type { Json } from '../integrations/index.js';
import type { OAuthClientsConfig } from '../oauth-clients/config.js';
import type { Sandboxes } from '../sandbox/index.js';

export const DEMO_ENVIRONMENT = 'sandbox';

/** The config file (src/app/config.ts) that points crm-mcp at the sandboxes. */
export interface SandboxConfig {
  environments: Record<string, Record<string, Json>>;
  insecureHosts: string[];
  oauthClients: OAuthClientsConfig;
}

export function sandboxConfig(sb: Sandboxes): SandboxConfig {
  const g = sb.grants;
  if (!g) throw new Error('the sandboxes were started without grants');
  return {
    environments: {
      [DEMO_ENVIRONMENT]: {
        hubspot: { base_url: sb.hubspot.url, auth: authUrls(sb.hubspot) },
        salesforce: { auth: authUrls(sb.salesforce) },
      },
    },
    insecureHosts: [new URL(sb.hubspot.url).host, new URL(sb.salesforce.url).host, new URL(sb.salesforce.instanceUrl).host],
    oauthClients: {
      hubspot: { client_id: g.hubspot.clientId, client_secret: g.hubspot.clientSecret },
      salesforce: { client_id: g.salesforce.clientId, client_secret: g.salesforce.clientSecret },
    },
  };
}

function authUrls(f: { authorizeUrl: string; tokenUrl: string; revokeUrl: string; introspectUrl: string }): Record<string, string> {
  return { authorize_url: f.authorizeUrl, token_url: f.tokenUrl, revoke_url: f.revokeUrl, introspect_url: f.introspectUrl };
}
