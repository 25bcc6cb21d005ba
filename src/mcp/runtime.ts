/**
 * What the stdio and serve commands need from the rest of the product, in one seam: the
 * account store (and its KvStore, which also holds MCP access tokens), the execution engine and
 * the injected deps. The composition root (src/app/open-app.ts) builds it; tests build
 * in-memory ones.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AccessTokenStore } from '../access-tokens/store.js';
import type { Deps } from '../core/deps.js';
import type { Engine } from '../engine/types.js';
import type { AccountStore } from '../store/account-store.js';
import type { KvStore } from '../store/kv.js';
import type { ReauthFlow } from './reauth.js';
import type { RefreshScheduler } from '../tokens/scheduler.js';

export interface McpRuntime {
  accounts: AccountStore;
  kv: KvStore;
  /** The MCP bearer tokens `serve` checks (default: read from `kv` on every request). */
  accessTokens?: AccessTokenStore;
  engine: Engine;
  deps: Deps;
  /** The 2026-07-28 reconnect round, keyed from the deployment's keyring so every replica accepts its retries (absent: isError results only). */
  reauth?: ReauthFlow;
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
  /** Where `serve` is reachable from outside (CRM_MCP_PUBLIC_URL or the config's publicUrl), when set. */
  publicBaseUrl?: string;
  /** Display name of an integration ("HubSpot"), when its definition has one. */
  crmName(integration: string): string | undefined;
  close(): Promise<void>;
}
