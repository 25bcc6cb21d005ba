/**
 * How commands open the app (src/app/open-app.ts) and the views they consume, with the store/key/log
 * options every command accepts. Imports are lazy so `stdio` loads only what it needs.
 */
import type { ConfigFlags } from '../app/config.js';
import type { OperatorRuntime } from '../connect/runtime.js';
import type { McpRuntime } from '../mcp/runtime.js';
import type { CliIo } from './io.js';

export type RuntimeFlags = ConfigFlags;
export type OpenRuntime = (flags: RuntimeFlags, io: CliIo) => Promise<McpRuntime>;
export type OpenOperatorRuntime = (flags: RuntimeFlags, io: CliIo) => Promise<OperatorRuntime>;

export const openRuntime: OpenRuntime = async (flags, io) => (await openAppFor(flags, io)).mcp;
export const openOperatorRuntime: OpenOperatorRuntime = async (flags, io) => (await openAppFor(flags, io)).operator();

async function openAppFor(flags: RuntimeFlags, io: CliIo) {
  const { openApp } = await import('../app/open-app.js');
  return openApp({ flags, env: io.env, stderr: io.stderr });
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
