/**
 * Builds the McpRuntime from its parts. The CLI opener (runtime-impl.ts) and the spawned-process
 * tests both call this, so they run the same wiring: one engine over the token manager, with
 * environment overrides, and CRM display names from the definitions.
 */
import type { Deps } from '../core/deps.js';
import { createEngine } from '../engine/engine.js';
import type { IntegrationRegistry, Json } from '../integrations/index.js';
import type { AccountStore } from '../store/account-store.js';
import type { KvStore } from '../store/kv.js';
import type { TokenProvider } from '../tokens/types.js';
import type { McpRuntime } from './runtime.js';

export interface McpParts {
  kv: KvStore;
  accounts: AccountStore;
  deps: Deps;
  registry: IntegrationRegistry;
  /** The token manager (refreshes on demand). */
  tokens: TokenProvider;
  scheduler?: McpRuntime['scheduler'];
  connectHandler?: McpRuntime['connectHandler'];
  /** environment → integration → partial definition. */
  envOverrides?: Record<string, Record<string, Json>>;
  /** Test/dev only: extra hosts the engine may call (also over http). */
  extraAllowedHosts?: string[];
  close(): Promise<void>;
}

export function buildMcpRuntime(p: McpParts): McpRuntime {
  const engine = createEngine({
    registry: p.registry,
    tokens: p.tokens,
    deps: p.deps,
    ...(p.envOverrides ? { envOverrides: p.envOverrides } : {}),
    ...(p.extraAllowedHosts ? { extraAllowedHosts: p.extraAllowedHosts } : {}),
  });
  return {
    kv: p.kv,
    accounts: p.accounts,
    deps: p.deps,
    engine,
    ...(p.scheduler ? { scheduler: p.scheduler } : {}),
    ...(p.connectHandler ? { connectHandler: p.connectHandler } : {}),
    crmName: (integration) => (p.registry.has(integration) ? p.registry.get(integration).display_name : undefined),
    close: async () => {
      p.scheduler?.stop();
      await p.close();
    },
  };
}
