/**
 * The credential core every long-lived entry point shares (operator CLI, `serve`, `stdio`, the
 * demo): audit trail, lifecycle webhooks, OAuth client resolution, the token manager and the
 * proactive refresh scheduler, wired to each other so a refreshed token is rescheduled and an
 * account that leaves `active` is dropped from the schedule.
 *
 * The token endpoint comes from the definition *as resolved for the account's environment*, so
 * an environment override (a sandbox, a regional host) moves refreshes with the API calls. Every
 * definition handed out passes the transport rule for its OAuth endpoints (https, or http on one
 * of the operator's loopback `insecureHosts`: src/integrations/hosts.ts), so no token, code or
 * client secret is ever sent in cleartext. The OAuth client is resolved only when a refresh
 * needs it: serving a valid token needs none.
 *
 * Tool calls read through `serving`: the bearer-token records and decrypted accounts cached in
 * memory while the store announces no write to them (src/store/read-cache.ts). The token manager
 * and the operator read the store itself.
 */
import { createAccessTokenStore, type AccessTokenStore } from '../access-tokens/store.js';
import type { LinkedAccount } from '../accounts/model.js';
import { createAuditTrail, type AuditRetention } from '../audit/log.js';
import type { Deps } from '../core/deps.js';
import { CrmMcpError } from '../core/errors.js';
import { createSealer, type Sealer } from '../crypto/sealer.js';
import { oauthEndpointProblem } from '../integrations/hosts.js';
import { createDefinitionResolver, type Definition, type IntegrationRegistry, type Json } from '../integrations/index.js';
import type { OAuthClientsConfig } from '../oauth-clients/config.js';
import { createOAuthClientResolver, type OAuthClientResolver } from '../oauth-clients/resolve.js';
import { createOAuthClientStore, type OAuthClientStore } from '../oauth-clients/store.js';
import { expirySourceFor, refreshConfigFor, type OAuthRefreshConfig } from '../oauth/refresh.js';
import { createMemoryDueQueue, type DueQueue } from '../tokens/due-queue.js';
import { createTokenManager, type TokenManager } from '../tokens/manager.js';
import type { AccountStore } from '../store/account-store.js';
import { createAccountStore } from '../store/kv-account-store.js';
import { createReadCaches } from '../store/read-cache.js';
import type { RedisKv } from '../store/redis-kv.js';
import { createRedisDueQueue } from '../tokens/redis-due-queue.js';
import { createRefreshScheduler, type RefreshScheduler } from '../tokens/scheduler.js';
import { createWebhookSender, type WebhookEndpoint } from '../webhooks/sender.js';
import type { OpenedStore } from './open-store.js';

export interface CoreParts {
  deps: Deps;
  registry: IntegrationRegistry;
  store: OpenedStore;
  env: NodeJS.ProcessEnv;
  oauthClients?: OAuthClientsConfig;
  /** environment → integration → partial definition. */
  envOverrides?: Record<string, Record<string, Json>>;
  /** The operator's loopback hosts allowed also over plain http (src/integrations/hosts.ts). */
  insecureHosts?: string[];
  /** Audit retention (src/audit/log.ts); none keeps every entry. */
  auditRetention?: AuditRetention;
  /** Lifecycle webhook endpoints; default: CRM_MCP_WEBHOOK_URL + CRM_MCP_WEBHOOK_SECRET. */
  webhookEndpoints?: WebhookEndpoint[];
}

export interface Core {
  audit: ReturnType<typeof createAuditTrail>;
  webhooks: ReturnType<typeof createWebhookSender>;
  sealer: Sealer;
  clients: OAuthClientResolver;
  /** The operator's OAuth clients stored (sealed) in the store; `keys rotate` re-seals them. */
  clientStore: OAuthClientStore;
  tokens: TokenManager;
  scheduler: RefreshScheduler;
  /** The definition as it applies to an environment (platform → environment). */
  definition(integration: string, environment: string): Definition;
  /** What the tool-call path reads (bearer tokens, then the account): cached, see above. */
  serving: { accounts: AccountStore; accessTokens: AccessTokenStore };
}

export function webhookEndpointsFromEnv(env: NodeJS.ProcessEnv): WebhookEndpoint[] {
  const url = env.CRM_MCP_WEBHOOK_URL;
  const secret = env.CRM_MCP_WEBHOOK_SECRET;
  return url && secret ? [{ url, secret }] : [];
}

export function composeCore(p: CoreParts): Core {
  const { deps, registry, store } = p;
  const insecure = p.insecureHosts ?? [];
  const sealer = createSealer(store.keyring);
  const audit = createAuditTrail({ kv: store.kv, clock: deps.clock, random: deps.random, ...(p.auditRetention ? { retention: p.auditRetention } : {}) });
  const webhooks = createWebhookSender({ ...deps, endpoints: p.webhookEndpoints ?? webhookEndpointsFromEnv(p.env) });
  const clientStore = createOAuthClientStore({ kv: store.kv, sealer });
  const clients = createOAuthClientResolver({ env: p.env, store: clientStore, ...(p.oauthClients ? { config: p.oauthClients } : {}) });
  const resolver = createDefinitionResolver();
  const checked = new WeakSet<Definition>();
  const definition = (integration: string, environment: string): Definition => {
    const def = resolver.resolve(registry.get(integration), p.envOverrides?.[environment]?.[integration], {});
    if (!checked.has(def)) {
      const problem = oauthEndpointProblem(def, insecure);
      if (problem) throw new CrmMcpError('host_not_allowed', `${integration} (environment ${environment}) ${problem}; no request was sent`, { details: { integration, environment } });
      checked.add(def);
    }
    return def;
  };

  async function resolveRefreshConfig(account: LinkedAccount): Promise<OAuthRefreshConfig> {
    const client = await clients.resolveOAuthClient(account.integration, account.environment);
    return refreshConfigFor(definition(account.integration, account.environment), client, { extraAllowedHosts: insecure, clientName: `${account.integration} OAuth client (${client.source})` });
  }

  // The scheduler and the token manager refer to each other; the callbacks run only after a
  // refresh, by which time `scheduler` is initialised.
  const tokens = createTokenManager({
    deps,
    store: store.accounts,
    kv: store.kv,
    webhooks,
    audit,
    resolveRefreshConfig,
    expirySource: (account) => expirySourceFor(definition(account.integration, account.environment)),
    onTokenRefreshed: (account) => scheduler.tokenStored(account),
    onRefreshDeferred: (id, at) => scheduler.schedule(id, at),
    onAccountInactive: (id) => scheduler.unschedule(id),
  });
  const queue: DueQueue = store.redis ? createRedisDueQueue({ client: store.redis, prefix: (store.kv as RedisKv).prefix }) : createMemoryDueQueue();
  const scheduler: RefreshScheduler = createRefreshScheduler({ ...deps, queue, store: store.accounts, refresh: (id, within) => tokens.refreshIfExpiring(id, within) });
  return { audit, webhooks, sealer, clients, clientStore, tokens, scheduler, definition, serving: servingStores(store, deps) };
}

function servingStores(store: OpenedStore, deps: Deps): Core['serving'] {
  const { kv } = store;
  const caches = kv.changes ? createReadCaches({ changes: kv.changes, clock: deps.clock }) : undefined;
  return {
    accounts: caches ? createAccountStore({ kv, codec: store.codec, clock: deps.clock, cache: caches.create() }) : store.accounts,
    accessTokens: createAccessTokenStore({ kv, clock: deps.clock, random: deps.random, ...(caches ? { cache: caches.create() } : {}) }),
  };
}
