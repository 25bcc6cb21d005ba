/**
 * How the demo points the real product at the built-in sandboxes: an environment override that
 * moves each integration's API and token endpoints to the loopback fakes, the fakes' hosts as
 * (http-allowed) extra hosts, and the sandbox OAuth clients as the operator's own clients.
 * Everything else — definitions, engine, token manager, encrypted store — is the real thing.
 */
import type { Json } from '../integrations/index.js';
import type { OAuthClientsConfig } from '../oauth-clients/config.js';
import type { Sandboxes } from '../sandbox/index.js';

export const DEMO_ENVIRONMENT = 'sandbox';

export interface SandboxWiring {
  envOverrides: Record<string, Record<string, Json>>;
  extraAllowedHosts: string[];
  oauthClients: OAuthClientsConfig;
}

export function sandboxWiring(sb: Sandboxes): SandboxWiring {
  const g = sb.grants;
  if (!g) throw new Error('the sandboxes were started without grants');
  return {
    envOverrides: {
      [DEMO_ENVIRONMENT]: {
        hubspot: { base_url: sb.hubspot.url, auth: authUrls(sb.hubspot) },
        salesforce: { auth: authUrls(sb.salesforce) },
      },
    },
    extraAllowedHosts: [new URL(sb.hubspot.url).host, new URL(sb.salesforce.url).host, new URL(sb.salesforce.instanceUrl).host],
    oauthClients: {
      hubspot: { client_id: g.hubspot.clientId, client_secret: g.hubspot.clientSecret },
      salesforce: { client_id: g.salesforce.clientId, client_secret: g.salesforce.clientSecret },
    },
  };
}

function authUrls(f: { authorizeUrl: string; tokenUrl: string; revokeUrl: string; introspectUrl: string }): Record<string, string> {
  return { authorize_url: f.authorizeUrl, token_url: f.tokenUrl, revoke_url: f.revokeUrl, introspect_url: f.introspectUrl };
}
