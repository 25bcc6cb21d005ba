/**
 * How the demo and `crm-mcp sandbox` point the real product at the built-in sandboxes — with the
 * same settings an operator uses: a config file whose environment override (`environments.<env>.overrides`)
 * moves each integration's API and token endpoints to the loopback fakes and whose
 * `insecureHosts` allows the fakes' (loopback) hosts over plain http, and the sandbox OAuth clients as
 * the operator's own (in the config file, or as the CRM_MCP_<INTEGRATION>_SANDBOX_CLIENT_ID /
 * _CLIENT_SECRET variables a client's `env` block carries). Everything else — definitions,
 * engine, token manager, encrypted store — is the real thing, opened by the same composition
 * root as `serve`.
 */
import type { Json } from '../integrations/index.js';
import { envVarNames, type OAuthClientsConfig } from '../oauth-clients/config.js';
import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, type Sandboxes } from '../sandbox/index.js';

export const DEMO_ENVIRONMENT = 'sandbox';
export const SANDBOX_INTEGRATIONS = ['hubspot', 'salesforce'] as const;
export type SandboxIntegration = (typeof SANDBOX_INTEGRATIONS)[number];

/** Where each fake answers, as the config needs it. */
interface SandboxEndpoints {
  hubspot: FakeUrls & { url: string };
  salesforce: FakeUrls & { instanceUrl: string };
}
interface FakeUrls {
  authorizeUrl: string;
  tokenUrl: string;
  revokeUrl: string;
  introspectUrl: string;
}

/** The config file keys (src/app/config.ts) that point crm-mcp at the sandboxes, OAuth clients aside. */
export interface SandboxEndpointConfig {
  environments: Record<string, { overrides: Record<string, Json> }>;
  insecureHosts: string[];
}

/** The whole config file the demo writes: endpoints and the sandbox OAuth clients. */
export interface SandboxConfig extends SandboxEndpointConfig {
  oauthClients: OAuthClientsConfig;
}

/**
 * The only place that names the config keys for the sandboxes' endpoints: a rename of
 * `environments.<env>.overrides.<integration>` or `insecureHosts` in src/app/config.ts is a change here.
 */
export function sandboxEndpointConfig(sb: SandboxEndpoints): SandboxEndpointConfig {
  return {
    environments: {
      [DEMO_ENVIRONMENT]: {
        overrides: {
          hubspot: { base_url: sb.hubspot.url, auth: authUrls(sb.hubspot) },
          salesforce: { auth: authUrls(sb.salesforce) },
        },
      },
    },
    insecureHosts: [...new Set([new URL(sb.hubspot.url).host, new URL(sb.salesforce.tokenUrl).host, new URL(sb.salesforce.instanceUrl).host])],
  };
}

export function sandboxConfig(sb: Sandboxes): SandboxConfig {
  return { ...sandboxEndpointConfig(sb), oauthClients: sandboxOAuthClients(sb) };
}

/** The sandbox fakes' OAuth clients (not secrets anyone else holds: every sandbox has the same). */
export function sandboxOAuthClients(sb: Pick<Sandboxes, 'hubspot' | 'salesforce'>): OAuthClientsConfig {
  const entry = (c: { clientId: string; clientSecret?: string } | undefined) => ({ client_id: c?.clientId ?? DEFAULT_CLIENT_ID, client_secret: c?.clientSecret ?? DEFAULT_CLIENT_SECRET });
  return { hubspot: entry(sb.hubspot.oauth.clients[0]), salesforce: entry(sb.salesforce.oauth.clients[0]) };
}

/** The same clients as the environment variables a client's `env` block sets for the sandbox environment. */
export function sandboxClientEnv(clients: OAuthClientsConfig): Record<string, string> {
  const env: Record<string, string> = {};
  for (const integration of SANDBOX_INTEGRATIONS) {
    const c = clients[integration];
    if (!c?.client_id) continue;
    const names = envVarNames(integration, DEMO_ENVIRONMENT);
    env[names.id] = c.client_id;
    if (c.client_secret) env[names.secret] = c.client_secret;
  }
  return env;
}

function authUrls(f: FakeUrls): Record<string, string> {
  return { authorize_url: f.authorizeUrl, token_url: f.tokenUrl, revoke_url: f.revokeUrl, introspect_url: f.introspectUrl };
}
