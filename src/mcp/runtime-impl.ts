/**
 * Composition root for `stdio` and `serve`: the opened credential core (src/app/open-core.ts:
 * config, encrypted store, definitions, token manager, scheduler, audit, webhooks) →
 * buildMcpRuntime. Logs go to stderr so stdout stays protocol-only for stdio.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { openCore, type CoreExtras } from '../app/open-core.js';
import type { CliIo } from '../cli/io.js';
import { buildMcpRuntime } from './compose.js';
import type { McpRuntime, RuntimeFlags } from './runtime.js';

/**
 * Test/dev only, not reachable from the command line: point definitions at loopback providers
 * (the fakes of src/sandbox) and load extra definition directories.
 */
export type RuntimeExtras = CoreExtras;

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export async function openRuntimeImpl(flags: RuntimeFlags, io: CliIo, extras: RuntimeExtras = {}): Promise<McpRuntime> {
  const base = await openCore(flags, io, extras);
  const { deps, registry, store, core, parts } = base;
  // The connect endpoints (`links create` URLs and the provider's callback) share this process's
  // store and token manager, so a reconnect reactivates the account `serve` is serving. Built on
  // the first /connect/ request: stdio never pays for loading the connect flow.
  const connectHandler = (listeningUrl: string): Handler => {
    let handler: Promise<Handler> | undefined;
    const build = async () => {
      const [{ operatorRuntimeOnCore }, { connectHandlerFor }] = await Promise.all([import('../connect/on-core.js'), import('../connect/mount.js')]);
      return connectHandlerFor(operatorRuntimeOnCore(base, { close: async () => {} }), base.publicBaseUrl ?? listeningUrl);
    };
    return async (req, res) => {
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
    ...(parts.envOverrides ? { envOverrides: parts.envOverrides } : {}),
    ...(parts.extraAllowedHosts ? { extraAllowedHosts: parts.extraAllowedHosts } : {}),
    close: () => store.close(),
  });
}
