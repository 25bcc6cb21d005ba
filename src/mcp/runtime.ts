/**
 * What the stdio and serve commands need from the rest of the product, in one seam: the
 * account store (and its KvStore, which also holds MCP access tokens), the execution engine and
 * the injected deps. `openRuntime` is the composition root for those commands.
 */
import type { CliIo } from '../cli/io.js';
import type { Deps } from '../core/deps.js';
import type { Engine } from '../engine/types.js';
import type { AccountStore } from '../store/account-store.js';
import type { KvStore } from '../store/kv.js';

export interface McpRuntime {
  accounts: AccountStore;
  kv: KvStore;
  engine: Engine;
  deps: Deps;
  /**
   * Proactive token refresh; `serve` runs it (rebuild from the store, then start), `stdio` and
   * `tokens` leave it idle and refresh on demand.
   */
  scheduler?: { rebuild(): Promise<number>; start(): void; stop(): void };
  /** Display name of an integration ("HubSpot"), when its definition has one. */
  crmName(integration: string): string | undefined;
  close(): Promise<void>;
}

export interface RuntimeFlags {
  store?: string | undefined;
  redisUrl?: string | undefined;
  config?: string | undefined;
  logLevel?: string | undefined;
}

export type OpenRuntime = (flags: RuntimeFlags, io: CliIo) => Promise<McpRuntime>;

export async function openRuntime(flags: RuntimeFlags, io: CliIo): Promise<McpRuntime> {
  const { openRuntimeImpl } = await import('./runtime-impl.js');
  return openRuntimeImpl(flags, io);
}
