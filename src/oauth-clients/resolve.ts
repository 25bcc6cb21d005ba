/**
 * `resolveOAuthClient(integration, environment)`: the operator's client for a connect flow, a
 * code exchange, a refresh or a revocation. Tokens are always minted for this client, so they
 * stay portable between deployments that share it. Misconfiguration names the integration's
 * client and the places looked in, never a secret.
 */
import { CrmMcpError } from '../core/errors.js';
import { envVarNames, type OAuthClientEntry, type OAuthClientsConfig } from './config.js';
import type { OAuthClientStore } from './store.js';

export interface ResolvedOAuthClient {
  integration: string;
  environment: string;
  client_id: string;
  client_secret?: string;
  scopes?: string[];
  /** Where it came from (for `status` and error messages). */
  source: 'env' | 'store' | 'config';
  /** True when an environment-specific entry won over the integration default. */
  environment_specific: boolean;
}

export interface OAuthClientResolver {
  resolveOAuthClient(integration: string, environment: string): Promise<ResolvedOAuthClient>;
}

export function createOAuthClientResolver(opts: { env?: NodeJS.ProcessEnv; store?: OAuthClientStore; config?: OAuthClientsConfig }): OAuthClientResolver {
  const env = opts.env ?? {};
  const fromEnv = (integration: string, environment?: string): OAuthClientEntry | undefined => {
    const names = envVarNames(integration, environment);
    const id = env[names.id];
    if (!id) return undefined;
    const secret = env[names.secret];
    return { client_id: id, ...(secret ? { client_secret: secret } : {}) };
  };
  const fromConfig = (integration: string, environment?: string): OAuthClientEntry | undefined => {
    const entry = opts.config?.[integration];
    if (!entry) return undefined;
    if (environment) return entry.environments?.[environment];
    return entry.client_id ? { client_id: entry.client_id, ...(entry.client_secret ? { client_secret: entry.client_secret } : {}), ...(entry.scopes ? { scopes: entry.scopes } : {}) } : undefined;
  };

  return {
    async resolveOAuthClient(integration, environment) {
      for (const envSpecific of [true, false]) {
        const e = envSpecific ? environment : undefined;
        const candidates: Array<[ResolvedOAuthClient['source'], () => Promise<OAuthClientEntry | undefined> | OAuthClientEntry | undefined]> = [
          ['env', () => fromEnv(integration, e)],
          ['store', () => opts.store?.get(integration, e)],
          ['config', () => fromConfig(integration, e)],
        ];
        for (const [source, get] of candidates) {
          const found = await get();
          if (found) return { integration, environment, ...found, source, environment_specific: envSpecific };
        }
      }
      const names = envVarNames(integration);
      throw new CrmMcpError(
        'oauth_client_misconfigured',
        `no OAuth client configured for integration '${integration}' (environment '${environment}'): set ${names.id} and ${names.secret}, or add it under oauth_clients.${integration} in the config file`,
        { details: { integration, environment } },
      );
    },
  };
}
