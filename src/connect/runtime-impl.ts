/**
 * Composition root for the operator commands: config → encrypted store → definitions →
 * audit trail, webhooks, token manager + refresh scheduler → buildOperatorRuntime.
 * Environment (besides src/app/config.ts): CRM_MCP_PUBLIC_URL (connect links' base URL),
 * CRM_MCP_WEBHOOK_URL + CRM_MCP_WEBHOOK_SECRET (one lifecycle webhook endpoint), and the
 * OAuth client variables of src/oauth-clients/config.ts.
 */
import { loadConfig } from '../app/config.js';
import { openStore } from '../app/open-store.js';
import { createAuditTrail } from '../audit/log.js';
import type { CliIo } from '../cli/io.js';
import { cryptoRandom, systemClock, type LogLevel } from '../core/deps.js';
import { createLogger } from '../core/logger.js';
import { decryptValue, encryptValue } from '../crypto/envelope.js';
import { contextCaptures, loadRegistry, secretContextKeys, tokenEndpointSpec } from '../integrations/index.js';
import { createOAuthClientResolver } from '../oauth-clients/resolve.js';
import { createOAuthClientStore } from '../oauth-clients/store.js';
import { createMemoryDueQueue } from '../tokens/due-queue.js';
import { createTokenManager } from '../tokens/manager.js';
import { createRefreshScheduler } from '../tokens/scheduler.js';
import { createWebhookSender } from '../webhooks/sender.js';
import { buildOperatorRuntime } from './compose.js';
import type { SecretSealer } from './ports.js';
import type { OperatorFlags, OperatorRuntime } from './runtime.js';

const SEAL_AAD = 'crm-mcp:sealed-secret';

export async function openOperatorRuntimeImpl(flags: OperatorFlags, io: CliIo): Promise<OperatorRuntime> {
  const config = loadConfig({ env: io.env, flags });
  const level = (flags.logLevel ?? config.logLevel) as LogLevel;
  const deps = { clock: systemClock, random: cryptoRandom, logger: createLogger({ level, sink: (l) => io.stderr(l + '\n') }) };
  const registry = loadRegistry();
  const store = await openStore(config, {
    notice: (l) => io.stderr(l + '\n'),
    secretContextFields: (i) => (registry.has(i) ? secretContextKeys(registry.get(i)) : []),
  });
  const sealer: SecretSealer = { seal: (s) => encryptValue(store.keyring, s, SEAL_AAD), open: (s) => decryptValue(store.keyring, s, SEAL_AAD) };
  const audit = createAuditTrail({ kv: store.kv, clock: deps.clock, random: deps.random });
  const hookUrl = io.env.CRM_MCP_WEBHOOK_URL;
  const webhooks = createWebhookSender({ ...deps, endpoints: hookUrl && io.env.CRM_MCP_WEBHOOK_SECRET ? [{ url: hookUrl, secret: io.env.CRM_MCP_WEBHOOK_SECRET }] : [] });
  const clients = createOAuthClientResolver({ env: io.env, store: createOAuthClientStore({ kv: store.kv, sealer }) });
  const tokens = createTokenManager({
    deps,
    store: store.accounts,
    kv: store.kv,
    webhooks,
    audit,
    async resolveRefreshConfig(account) {
      const def = registry.get(account.integration);
      const spec = tokenEndpointSpec(def);
      const client = await clients.resolveOAuthClient(account.integration, account.environment);
      return {
        tokenUrl: spec.tokenUrl,
        clientId: client.client_id,
        clientSecret: client.client_secret ?? '',
        clientAuth: spec.clientAuth,
        extraParams: spec.refreshParams,
        expiry:
          spec.expiry === 'expires_in'
            ? { kind: 'expires_in' }
            : spec.expiry === 'introspection'
              ? { kind: 'introspection', url: spec.introspectUrl ?? '' }
              : { kind: 'fixed', seconds: spec.expiry.fixed_seconds },
        captureContext: contextCaptures(def)
          .filter((c) => c.host_patterns)
          .map((c) => ({ field: c.to ?? c.from, from: c.from, allowedHosts: c.host_patterns! })),
        clientName: `${account.integration} OAuth client (${client.source})`,
      };
    },
  });
  // The CLI process only keeps the schedule in step (forget on hand-off/delete); `serve` runs it.
  const scheduler = createRefreshScheduler({ ...deps, queue: createMemoryDueQueue(), refresh: (id, within) => tokens.refreshIfExpiring(id, within), store: store.accounts });
  return buildOperatorRuntime({
    kv: store.kv,
    accounts: store.accounts,
    deps,
    sealer,
    registry,
    tokens,
    scheduler,
    audit,
    webhooks,
    env: io.env,
    ...(io.env.CRM_MCP_PUBLIC_URL ? { publicBaseUrl: io.env.CRM_MCP_PUBLIC_URL } : {}),
    close: () => store.close(),
  });
}
