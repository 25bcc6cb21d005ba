/**
 * What the stdio and serve commands need from the rest of the product, in one seam: the
 * account store (and its KvStore, which also holds MCP access tokens), the execution engine and
 * the injected deps. `openRuntime` is the composition root for those commands.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CliIo } from '../cli/io.js';
import type { Deps } from '../core/deps.js';
import type { Engine } from '../engine/types.js';
import type { AccountStore } from '../store/account-store.js';
import type { KvStore } from '../store/kv.js';
import type { RefreshScheduler } from '../tokens/scheduler.js';

export interface McpRuntime {
  accounts: AccountStore;
  kv: KvStore;
  engine: Engine;
  deps: Deps;
  /**
   * Proactive token refresh; `serve` runs it (rebuild from the store, then start), `stdio` and
   * `tokens` leave it idle and refresh on demand.
   */
  scheduler?: Pick<RefreshScheduler, 'rebuild' | 'start' | 'stop' | 'upcoming'>;
  /**
   * The connect flow's HTTP endpoints (`/connect/start`, `/connect/callback`) for `serve` to mount;
   * `listeningUrl` is the base for the callback when no public URL is configured.
   */
  connectHandler?(listeningUrl: string): (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
  /** Display name of an integration ("HubSpot"), when its definition has one. */
  crmName(integration: string): string | undefined;
  close(): Promise<void>;
}

export interface RuntimeFlags {
  store?: string | undefined;
  redisUrl?: string | undefined;
  config?: string | undefined;
  logLevel?: string | undefined;
  dataDir?: string | undefined;
  keysFile?: string | undefined;
}

/** The store/key/log options every MCP command accepts (node:util parseArgs form). */
export const RUNTIME_OPTIONS = {
  store: { type: 'string' },
  'redis-url': { type: 'string' },
  config: { type: 'string' },
  'data-dir': { type: 'string' },
  'keys-file': { type: 'string' },
  'log-level': { type: 'string' },
} as const;

export const RUNTIME_USAGE = `Store and key (flags win over CRM_MCP_* environment variables and the config file):
  --store <path>         embedded store file (default <data dir>/store.sqlite)
  --redis-url <url>      use Redis instead of the embedded store
  --data-dir <dir>       data directory (default ./.crm-mcp)
  --keys-file <path>     encryption key file (default <data dir>/keys.json; or CRM_MCP_ENCRYPTION_KEY)
  --config <file>        JSON config file
  --log-level <level>    debug | info | warn | error (stderr)
`;

export function runtimeFlags(v: { store?: string; 'redis-url'?: string; config?: string; 'data-dir'?: string; 'keys-file'?: string; 'log-level'?: string }, defaultLogLevel?: string): RuntimeFlags {
  return { store: v.store, redisUrl: v['redis-url'], config: v.config, dataDir: v['data-dir'], keysFile: v['keys-file'], logLevel: v['log-level'] ?? defaultLogLevel };
}

export type OpenRuntime = (flags: RuntimeFlags, io: CliIo) => Promise<McpRuntime>;

export async function openRuntime(flags: RuntimeFlags, io: CliIo): Promise<McpRuntime> {
  const { openRuntimeImpl } = await import('./runtime-impl.js');
  return openRuntimeImpl(flags, io);
}
