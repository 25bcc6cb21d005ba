/**
 * Composition root for the operator commands: config → encrypted store → definitions →
 * the shared credential core (audit trail, webhooks, token manager + refresh scheduler) →
 * buildOperatorRuntime.
 * Environment (besides src/app/config.ts): CRM_MCP_PUBLIC_URL (connect links' base URL; else
 * the config file's `publicUrl`), CRM_MCP_WEBHOOK_URL + CRM_MCP_WEBHOOK_SECRET (one lifecycle
 * webhook endpoint), and the OAuth client variables of src/oauth-clients/config.ts (which win
 * over the config file's `oauthClients`).
 */
import { loadConfig } from '../app/config.js';
import { composeCore } from '../app/core.js';
import { openStore } from '../app/open-store.js';
import type { CliIo } from '../cli/io.js';
import { cryptoRandom, systemClock, type LogLevel } from '../core/deps.js';
import { createLogger } from '../core/logger.js';
import { loadRegistry, secretContextKeys, type Json } from '../integrations/index.js';
import { buildOperatorRuntime } from './compose.js';
import type { OperatorFlags, OperatorRuntime } from './runtime.js';

/** Test/dev only, not reachable from the command line: point definitions at loopback providers. */
export interface OperatorRuntimeExtras {
  /** environment → integration → partial definition. */
  envOverrides?: Record<string, Record<string, Json>>;
  extraAllowedHosts?: string[];
}

export async function openOperatorRuntimeImpl(flags: OperatorFlags, io: CliIo, extras: OperatorRuntimeExtras = {}): Promise<OperatorRuntime> {
  const config = loadConfig({ env: io.env, flags });
  const level = (flags.logLevel ?? config.logLevel) as LogLevel;
  const deps = { clock: systemClock, random: cryptoRandom, logger: createLogger({ level, sink: (l) => io.stderr(l + '\n') }) };
  const registry = loadRegistry();
  const store = await openStore(config, {
    notice: (l) => io.stderr(l + '\n'),
    secretContextFields: (i) => (registry.has(i) ? secretContextKeys(registry.get(i)) : []),
  });
  const oauthClients = config.oauthClients();
  const redirects = {
    ...(extras.envOverrides ? { envOverrides: extras.envOverrides } : {}),
    ...(extras.extraAllowedHosts ? { extraAllowedHosts: extras.extraAllowedHosts } : {}),
  };
  const core = composeCore({ deps, registry, store, env: io.env, ...(oauthClients ? { oauthClients } : {}), ...redirects });
  const publicBaseUrl = io.env.CRM_MCP_PUBLIC_URL || config.publicUrl;
  // The CLI process only keeps the schedule in step (forget on hand-off/delete); `serve` runs it.
  // Only a Redis queue is shared with `serve`; an in-process one starts empty and must not answer
  // `status` (which then falls back to token expiry).
  const scheduler = store.redis ? core.scheduler : { tokenStored: core.scheduler.tokenStored, forget: core.scheduler.forget };
  return buildOperatorRuntime({
    kv: store.kv,
    accounts: store.accounts,
    deps,
    sealer: core.sealer,
    registry,
    tokens: core.tokens,
    retryRefresh: (id) => core.tokens.retryRefresh(id),
    scheduler,
    audit: core.audit,
    webhooks: core.webhooks,
    env: io.env,
    ...(oauthClients ? { oauthClients } : {}),
    ...redirects,
    ...(publicBaseUrl ? { publicBaseUrl } : {}),
    close: () => store.close(),
  });
}
