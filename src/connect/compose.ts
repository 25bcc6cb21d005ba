/**
 * Builds the OperatorRuntime from its parts. The CLI opener (runtime-impl.ts) and the
 * composition tests both call this, so they run the same wiring: the definition registry
 * (with environment overrides) gives connect specs and revocation URLs; one engine over the
 * token manager verifies imports; one engine over the stored token validates fresh grants.
 */
import type { LinkedAccount } from '../accounts/model.js';
import type { Deps } from '../core/deps.js';
import { createEngine } from '../engine/engine.js';
import { connectSpec as connectSpecOf, createDefinitionResolver, overrideProblem, secretContextKeys, tokenEndpointSpec, type IntegrationRegistry, type Json } from '../integrations/index.js';
import type { OAuthClientsConfig } from '../oauth-clients/config.js';
import { createOAuthClientResolver } from '../oauth-clients/resolve.js';
import { createOAuthClientStore } from '../oauth-clients/store.js';
import type { AccountStore } from '../store/account-store.js';
import type { KvStore } from '../store/kv.js';
import type { TokenProvider } from '../tokens/types.js';
import type { SecretSealer, WebhookPort } from './ports.js';
import { revokeGrant } from './revoke.js';
import type { AuditLog, OperatorRuntime } from './runtime.js';
import { engineValidator, storedTokenProvider } from './validators.js';

export interface OperatorParts {
  kv: KvStore;
  accounts: AccountStore;
  deps: Deps;
  sealer: SecretSealer;
  registry: IntegrationRegistry;
  /** The token manager (refreshes on demand). */
  tokens: TokenProvider;
  /** TokenManager.retryRefresh, when the token manager is the real one. */
  retryRefresh?: (accountId: string) => Promise<{ account: LinkedAccount }>;
  scheduler?: OperatorRuntime['scheduler'];
  audit: AuditLog;
  webhooks: WebhookPort;
  env: NodeJS.ProcessEnv;
  oauthClients?: OAuthClientsConfig;
  /** environment → integration → partial definition. */
  envOverrides?: Record<string, Record<string, Json>>;
  /** Test/dev only: extra hosts allowed (also over http). */
  extraAllowedHosts?: string[];
  publicBaseUrl?: string;
  close(): Promise<void>;
}

export function buildOperatorRuntime(p: OperatorParts): OperatorRuntime {
  const extraAllowedHosts = p.extraAllowedHosts ?? [];
  const engineOpts = { registry: p.registry, deps: p.deps, ...(p.envOverrides ? { envOverrides: p.envOverrides } : {}), extraAllowedHosts };
  const oauthClients = createOAuthClientResolver({ env: p.env, store: createOAuthClientStore({ kv: p.kv, sealer: p.sealer }), ...(p.oauthClients ? { config: p.oauthClients } : {}) });
  // Cached: resolving an override recompiles every expression of the definition.
  const resolver = createDefinitionResolver();
  const definition = (integration: string, environment: string) => resolver.resolve(p.registry.get(integration), p.envOverrides?.[environment]?.[integration], {});

  return {
    kv: p.kv,
    accounts: p.accounts,
    deps: p.deps,
    audit: p.audit,
    sealer: p.sealer,
    oauthClients,
    webhooks: p.webhooks,
    ...(p.scheduler ? { scheduler: p.scheduler } : {}),
    ...(p.retryRefresh ? { retryRefresh: async (id: string) => (await p.retryRefresh!(id)).account } : {}),
    connectValidator: engineValidator(createEngine({ ...engineOpts, tokens: storedTokenProvider() })),
    verifier: engineValidator(createEngine({ ...engineOpts, tokens: p.tokens })),
    integration(name) {
      if (!p.registry.has(name)) return undefined;
      const type = p.registry.get(name).auth.type;
      return { name, authMethods: [type], secretContextFields: secretContextKeys(p.registry.get(name)), overrideProblem: (account) => overrideProblem(p.registry, account) };
    },
    async connectSpec(integration, environment) {
      return { ...connectSpecOf(definition(integration, environment)), extraAllowedHosts };
    },
    async revoke(account: LinkedAccount) {
      if (account.authentication_method !== 'oauth2' || !p.registry.has(account.integration)) return { attempted: false, ok: true };
      const spec = tokenEndpointSpec(definition(account.integration, account.environment));
      const client = await oauthClients.resolveOAuthClient(account.integration, account.environment).catch(() => undefined);
      return revokeGrant(spec, account, client, p.deps.dispatcher);
    },
    ...(p.publicBaseUrl ? { publicBaseUrl: p.publicBaseUrl } : {}),
    close: p.close,
  };
}
