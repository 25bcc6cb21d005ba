/**
 * The command table: each command's name, one-line summary and module, loaded only when the
 * command runs (see program.ts). Add one line per command; keep the list sorted.
 */
import type { CommandModule } from './context.js';

export interface CommandEntry {
  summary: string;
  load: () => Promise<CommandModule>;
  /** stdout carries a protocol (MCP over stdio): failures never print JSON there. */
  stdoutIsProtocol?: boolean;
}

export const COMMANDS: Record<string, CommandEntry> = {
  accounts: { summary: 'linked accounts: list, show, create, import, export, resume, refresh, delete', load: () => import('./commands/accounts.js') },
  audit: { summary: 'the credential-operation audit trail, filtered by account, tenant, operation, time', load: () => import('./commands/audit.js') },
  connect: { summary: 'connect an account by OAuth consent from this machine (loopback callback)', load: () => import('./commands/connect.js') },
  demo: { summary: 'the embedded demo: sandbox HubSpot and Salesforce, MCP over HTTP, an example agent', load: () => import('./commands/demo.js') },
  init: { summary: 'create the embedded store and its key file (the only command besides account writes that creates them)', load: () => import('./commands/init.js') },
  integrations: { summary: 'integration definitions: list what is loaded, validate a definition file', load: () => import('./commands/integrations.js') },
  keys: { summary: 'encryption keys: generate, rotate, remove', load: () => import('./commands/keys.js') },
  links: { summary: 'connect links for customers: create (single use, time-bound)', load: () => import('./commands/links.js') },
  sandbox: { summary: 'sandbox HubSpot and Salesforce that real MCP clients can use, and their client configs', load: () => import('./commands/sandbox.js') },
  serve: { summary: 'serve linked accounts over Streamable HTTP (bearer access tokens, or --no-auth)', load: () => import('./commands/serve.js') },
  status: { summary: 'accounts by state, long-stuck needs_reauth, next refreshes', load: () => import('./commands/status.js') },
  stdio: { summary: 'serve one linked account over stdio', load: () => import('./commands/stdio.js'), stdoutIsProtocol: true },
  tokens: { summary: 'MCP access tokens for serve: create, list, revoke', load: () => import('./commands/tokens.js') },
};
