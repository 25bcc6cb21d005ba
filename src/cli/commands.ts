/**
 * The command table. Each entry is loaded only when invoked, so `crm-mcp stdio` pays for
 * nothing but the stdio path at startup. A command module exports
 * `run(argv: string[], io: CliIo): Promise<number>` (the exit code).
 * Add one line per command; keep the list sorted.
 */
import type { CliIo } from './io.js';

export interface CommandModule {
  run(argv: string[], io: CliIo): Promise<number>;
}

export interface CommandEntry {
  summary: string;
  load: () => Promise<CommandModule>;
}

export const COMMANDS: Record<string, CommandEntry> = {
  keys: { summary: 'Encryption keys: rotate (re-encrypt every account under the newest key)', load: () => import('./commands/keys.js') },
  serve: { summary: 'Serve linked accounts over Streamable HTTP (bearer access tokens, or --no-auth for one local account)', load: () => import('./commands/serve.js') },
  stdio: { summary: 'Serve one linked account over stdio (--account <id>)', load: () => import('./commands/stdio.js') },
  tokens: { summary: 'MCP access tokens for serve: create, list, revoke', load: () => import('./commands/tokens.js') },
};
