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
  accounts: { summary: 'Linked accounts: list, show, create, import, export, resume, delete', load: () => import('./commands/accounts.js') },
  audit: { summary: 'Credential-operation audit trail (filter by account, tenant, operation, time)', load: () => import('./commands/audit.js') },
  demo: { summary: 'Embedded demo: sandbox HubSpot + Salesforce, seeded tenant, MCP over HTTP, example agent (--once to exit)', load: () => import('./commands/demo.js') },
  connect: { summary: 'Connect an account by OAuth consent from this machine (loopback callback)', load: () => import('./commands/connect.js') },
  keys: { summary: 'Encryption keys: rotate (re-encrypt every account under the newest key)', load: () => import('./commands/keys.js') },
  links: { summary: 'Connect links for customers: create (single use, time-bound)', load: () => import('./commands/links.js') },
  serve: { summary: 'Serve linked accounts over Streamable HTTP (bearer access tokens, or --no-auth for one local account)', load: () => import('./commands/serve.js') },
  status: { summary: 'Accounts by state, long-stuck needs_reauth, next scheduled refreshes', load: () => import('./commands/status.js') },
  stdio: { summary: 'Serve one linked account over stdio (--account <id>)', load: () => import('./commands/stdio.js') },
  tokens: { summary: 'MCP access tokens for serve: create, list, revoke', load: () => import('./commands/tokens.js') },
};
