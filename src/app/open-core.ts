/**
 * The one opener behind every command's composition root: config → logger → definitions →
 * encrypted store → the credential core (src/app/core.ts). `openRuntimeImpl` (stdio, serve) and
 * `openOperatorRuntimeImpl` (the operator commands) build their runtimes on what it returns.
 */
import type { CliIo } from '../cli/io.js';
import { cryptoRandom, systemClock, type Deps, type LogLevel } from '../core/deps.js';
import { createLogger } from '../core/logger.js';
import { loadRegistry, secretContextKeys, type IntegrationRegistry, type Json } from '../integrations/index.js';
import { loadConfig, type AppConfig, type ConfigFlags } from './config.js';
import { composeCore, type Core, type CoreParts } from './core.js';
import { openStore, type OpenedStore } from './open-store.js';

/** Test/dev only, not reachable from the command line: point definitions at loopback providers. */
export interface CoreExtras {
  /** environment → integration → partial definition. */
  envOverrides?: Record<string, Record<string, Json>>;
  extraAllowedHosts?: string[];
  extraDefinitionDirs?: string[];
}

/** What a runtime is built on: the core and the parts it was composed from. */
export interface CoreBase {
  deps: Deps;
  registry: IntegrationRegistry;
  store: OpenedStore;
  core: Core;
  parts: CoreParts;
  /** Where `serve` is reachable for connect links (CRM_MCP_PUBLIC_URL, else the config file). */
  publicBaseUrl?: string;
}

export async function openCore(flags: ConfigFlags, io: CliIo, extras: CoreExtras = {}): Promise<CoreBase & { config: AppConfig }> {
  const config = loadConfig({ env: io.env, flags });
  const level = (flags.logLevel ?? config.logLevel) as LogLevel;
  const deps = { clock: systemClock, random: cryptoRandom, logger: createLogger({ level, sink: (l) => io.stderr(l + '\n') }) };
  const registry = loadRegistry(extras.extraDefinitionDirs ? { extraDirs: extras.extraDefinitionDirs } : {});
  const store = await openStore(config, {
    notice: (l) => io.stderr(l + '\n'),
    secretContextFields: (i) => (registry.has(i) ? secretContextKeys(registry.get(i)) : []),
  });
  const oauthClients = config.oauthClients();
  const parts: CoreParts = {
    deps,
    registry,
    store,
    env: io.env,
    ...(oauthClients ? { oauthClients } : {}),
    ...(extras.envOverrides ? { envOverrides: extras.envOverrides } : {}),
    ...(extras.extraAllowedHosts ? { extraAllowedHosts: extras.extraAllowedHosts } : {}),
  };
  const publicBaseUrl = io.env.CRM_MCP_PUBLIC_URL || config.publicUrl;
  return { config, deps, registry, store, core: composeCore(parts), parts, ...(publicBaseUrl ? { publicBaseUrl } : {}) };
}
