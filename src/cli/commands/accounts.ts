/**
 * `crm-mcp accounts list|show|create|import|export|resume|refresh|delete`: linked accounts.
 * Bodies: accounts/manage.ts (list, show, resume, refresh, delete), accounts/create.ts,
 * accounts/import.ts, accounts/export.ts.
 */
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { runCreate } from './accounts/create.js';
import { runExport } from './accounts/export.js';
import { runImport } from './accounts/import.js';
import { defineManage, type AccountsValues } from './accounts/manage.js';

const EXAMPLES = `
Examples:
  crm-mcp accounts import accounts.ndjson --verify
  crm-mcp accounts export --include-secrets --hand-off --out accounts.json
  crm-mcp accounts resume --all`;

export function define(accounts: Command, ctx: CommandContext): void {
  accounts.description('Linked accounts. Secrets are masked everywhere but export --include-secrets.').addHelpText('after', EXAMPLES);
  const runtime = () => ctx.operator();
  // Only the commands that write accounts may create a missing store (and its key).
  const creating = () => ctx.operator({ create: true });
  const values = (cmd: Command): AccountsValues => ({ ...cmd.opts(), json: ctx.globals().json });
  defineManage(accounts, ctx);
  accounts
    .command('create')
    .description('create an account that needs no consent screen (API key, or OAuth client credentials); one call validates it')
    .option('--tenant <t>', 'tenant id (required)')
    .option('--integration <name>', 'integration (required)')
    .option('--auth-method <method>', 'api_key | oauth2_client_credentials (required)')
    .option('--api-key-env <VAR>', 'read the API key from this environment variable (never from argv)')
    .option('--api-key-stdin', 'read the API key from stdin', false)
    .option('--environment <env>', 'environment (default production)')
    .option('--id <id>', 'account id (default: generated)')
    .action(ctx.action((cmd) => runCreate(ctx.io, values(cmd), creating)));
  accounts
    .command('import')
    .description('import accounts from a JSON array or NDJSON (idempotent; invalid records listed by line)')
    .argument('[file]', "file to read, or '-' for stdin")
    .usage('[options] <file|->')
    .option('--verify', 'make one call per account through the token manager and report active / needs_reauth / failed', false)
    .option('--concurrency <n>', 'parallel verifications and writes, 1-64 (default 8)')
    .option('--force-tokens', "write the records' tokens even where the account holds newer ones (rotated since)", false)
    .addHelpText('after', '\nLimits per record (a record over one is reported by line; the others import): 1 MiB of JSON, 64 KiB per string field, 32 levels of nesting.')
    .action(ctx.action((cmd) => runImport(ctx.io, values(cmd), cmd.args, creating)));
  accounts
    .command('export')
    .description('export accounts in the import shape (secrets masked unless --include-secrets)')
    .option('--include-secrets', 'include tokens and keys (refuses to write to a terminal; audited)', false)
    .option('--hand-off', 'stop refreshing the exported accounts here (`accounts resume` takes them back)', false)
    .option('--tenant <t>', 'only this tenant')
    .option('--out <file>', 'write to this file (mode 0600) instead of stdout')
    .action(ctx.action((cmd) => runExport(ctx.io, values(cmd), runtime)));
}
