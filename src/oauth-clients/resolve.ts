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
      const envNames = envVarNames(integration, environment);
      throw new CrmMcpError(
        'oauth_client_misconfigured',
        `no OAuth client configured for integration '${integration}' (environment '${environment}'): set ${envNames.id} and ${envNames.secret} (this environment) or ${names.id} and ${names.secret} (every environment), ` +
          `or add oauthClients.${integration}.client_id / client_secret (or oauthClients.${integration}.environments.${environment}) to the config file; this is a configuration error — fix the configuration`,
        { details: { integration, environment, env: [envNames.id, envNames.secret, names.id, names.secret], config_key: `oauthClients.${integration}` } },
      );
    },
  };
}
