/**
 * The operator runtime on an opened app: what the operator commands and `serve`'s connect
 * endpoints use. It shares the app's store, core (token manager, OAuth clients, definitions as
 * resolved per environment, audit trail, webhooks) and settings; it adds two validators over
 * engines of its own (a just-minted grant is validated with the stored token, never refreshed;
 * import --verify goes through the token manager).
 */
import type { LinkedAccount } from '../accounts/model.js';
import type { OperatorRuntime } from '../connect/runtime.js';
import { revokeGrant } from '../connect/revoke.js';
import { engineValidator, storedTokenProvider } from '../connect/validators.js';
import { createEngine } from '../engine/engine.js';
import { authMethods, connectSpec, createExpressionCompiler, overrideProblem, secretContextKeys, tokenEndpointSpec } from '../integrations/index.js';
import type { AppParts } from './parts.js';

export function buildOperatorRuntime(app: AppParts): OperatorRuntime {
  const { registry, store, core, deps, config } = app;
  const insecureHosts = config.insecureHosts;
  const engineOpts = { registry, deps, envOverrides: config.environments, insecureHosts, cursorKeys: store.keyring };
  // The schedule is only worth reporting where it is real: shared on Redis, or run by this process.
  // Checks overrides before they are stored; its isolation workers start on first use.
  const overrideCompiler = createExpressionCompiler();
  const scheduler = store.redis || app.schedulerRunning() ? core.scheduler : { tokenStored: core.scheduler.tokenStored, forget: core.scheduler.forget };
  return {
    kv: store.kv,
    accounts: store.accounts,
    deps,
    audit: core.audit,
    sealer: core.sealer,
    oauthClients: core.clients,
    webhooks: core.webhooks,
    scheduler,
    retryRefresh: async (id: string) => (await core.tokens.retryRefresh(id)).account,
    connectValidator: engineValidator(createEngine({ ...engineOpts, tokens: storedTokenProvider() })),
    verifier: engineValidator(app.engine),
    integration(name) {
      if (!registry.has(name)) return undefined;
      const def = registry.get(name);
      return { name, authMethods: authMethods(def), secretContextFields: secretContextKeys(def), overrideProblem: (account) => overrideProblem(registry, account, overrideCompiler) };
    },
    async connectSpec(integration, environment) {
      const def = core.definition(integration, environment);
      return { ...connectSpec(def), displayName: def.display_name, extraAllowedHosts: insecureHosts };
    },
    async revoke(account: LinkedAccount) {
      if (account.authentication_method !== 'oauth2' || !registry.has(account.integration)) return { attempted: false, ok: true };
      const spec = tokenEndpointSpec(core.definition(account.integration, account.environment));
      const client = await core.clients.resolveOAuthClient(account.integration, account.environment).catch(() => undefined);
      return revokeGrant(spec, account, client, deps.dispatcher);
    },
    ...(app.publicBaseUrl ? { publicBaseUrl: app.publicBaseUrl } : {}),
    close: () => app.close(),
  };
}
