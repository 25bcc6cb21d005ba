/** What an opened app is made of (src/app/open-app.ts), and what the views built on it take. */
import type { Deps } from '../core/deps.js';
import type { Engine } from '../engine/types.js';
import type { IntegrationRegistry } from '../integrations/index.js';
import type { AppConfig } from './config.js';
import type { Core } from './core.js';
import type { OpenedStore } from './open-store.js';

export interface AppParts {
  config: AppConfig;
  deps: Deps;
  registry: IntegrationRegistry;
  store: OpenedStore;
  core: Core;
  /** The engine over the token manager: what tool calls run through. */
  engine: Engine;
  /** Where `serve` is reachable for connect links (CRM_MCP_PUBLIC_URL, else the config file). */
  publicBaseUrl?: string;
  /** True once this process runs the proactive refresh schedule (`serve`, the demo). */
  schedulerRunning(): boolean;
  /** Stops the scheduler, stores (or reports) refreshed tokens still pending, and closes the store. */
  close(): Promise<void>;
}
