/**
 * Composition root for `stdio` and `serve`: config → encrypted store → definitions → the shared
 * credential core (token manager, scheduler, audit, webhooks) → buildMcpRuntime. Logs go to
 * stderr so stdout stays protocol-only for stdio.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { loadConfig } from '../app/config.js';
import { composeCore } from '../app/core.js';
import { openStore } from '../app/open-store.js';
import type { CliIo } from '../cli/io.js';
import { cryptoRandom, systemClock, type LogLevel } from '../core/deps.js';
import { createLogger } from '../core/logger.js';
import { loadRegistry, secretContextKeys, type Json } from '../integrations/index.js';
import { buildMcpRuntime } from './compose.js';
import type { McpRuntime, RuntimeFlags } from './runtime.js';

/**
 * Test/dev only, not reachable from the command line: point definitions at loopback providers
 * (the fakes of src/sandbox) and load extra definition directories.
 */
export interface RuntimeExtras {
  /** environment → integration → partial definition. */
  envOverrides?: Record<string, Record<string, Json>>;
  extraAllowedHosts?: string[];
  extraDefinitionDirs?: string[];
}

export async function openRuntimeImpl(flags: RuntimeFlags, io: CliIo, extras: RuntimeExtras = {}): Promise<McpRuntime> {
  const config = loadConfig({ env: io.env, flags });
  const level = (flags.logLevel ?? config.logLevel) as LogLevel;
  const deps = { clock: systemClock, random: cryptoRandom, logger: createLogger({ level, sink: (l) => io.stderr(l + '\n') }) };
  const registry = loadRegistry(extras.extraDefinitionDirs ? { extraDirs: extras.extraDefinitionDirs } : {});
  const store = await openStore(config, {
    notice: (l) => io.stderr(l + '\n'),
    secretContextFields: (i) => (registry.has(i) ? secretContextKeys(registry.get(i)) : []),
  });
  const redirects = {
    ...(extras.envOverrides ? { envOverrides: extras.envOverrides } : {}),
    ...(extras.extraAllowedHosts ? { extraAllowedHosts: extras.extraAllowedHosts } : {}),
  };
  const oauthClients = config.oauthClients();
  const core = composeCore({ deps, registry, store, env: io.env, ...(oauthClients ? { oauthClients } : {}), ...redirects });
  const publicBaseUrl = io.env.CRM_MCP_PUBLIC_URL || config.publicUrl;
  // The connect endpoints (`links create` URLs and the provider's callback) share this process's
  // store and token manager, so a reconnect reactivates the account `serve` is serving. Built on
  // the first /connect/ request: stdio never pays for loading the connect flow.
  const connectHandler = (listeningUrl: string) => {
    let handler: Promise<(req: IncomingMessage, res: ServerResponse) => Promise<boolean>> | undefined;
    const build = async () => {
      const [{ buildOperatorRuntime }, { connectHandlerFor }] = await Promise.all([import('../connect/compose.js'), import('../connect/mount.js')]);
      const operator = buildOperatorRuntime({
        kv: store.kv, accounts: store.accounts, deps, sealer: core.sealer, registry, tokens: core.tokens, scheduler: core.scheduler,
        audit: core.audit, webhooks: core.webhooks, env: io.env, ...(oauthClients ? { oauthClients } : {}), ...redirects,
        ...(publicBaseUrl ? { publicBaseUrl } : {}),
        close: async () => {},
      });
      return connectHandlerFor(operator, publicBaseUrl ?? listeningUrl);
    };
    return async (req: IncomingMessage, res: ServerResponse) => {
      if (!(req.url ?? '').startsWith('/connect/')) return false;
      handler ??= build();
      return (await handler)(req, res);
    };
  };
  return buildMcpRuntime({
    connectHandler,
    kv: store.kv,
    accounts: store.accounts,
    deps,
    registry,
    tokens: core.tokens,
    scheduler: core.scheduler,
    ...redirects,
    close: () => store.close(),
  });
}
