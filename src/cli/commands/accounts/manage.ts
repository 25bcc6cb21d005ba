/**
 * `crm-mcp accounts list|show|resume|refresh|delete` (create, import and export have files of
 * their own). Secrets are always masked in list/show; only `export --include-secrets` reveals them.
 */
import type { Command } from 'commander';
import type { LinkedAccount } from '../../../accounts/model.js';
import { ACCOUNT_STATUSES } from '../../../accounts/model.js';
import { resumeAccounts } from '../../../transfer/export.js';
import { IMPORT_FP_PREFIX } from '../../../transfer/import.js';
import type { CommandContext } from '../../context.js';
import { EXIT, failure, notFound, usageError } from '../../exit.js';
import { out } from '../../kit.js';
import { maskedAccount } from './masked.js';

/** The accounts subcommands' option values; each subcommand sets those it declares. */
export interface AccountsValues {
  json: boolean;
  tenant?: string;
  status?: string;
  integration?: string;
  environment?: string;
  id?: string;
  authMethod?: string;
  apiKeyEnv?: string;
  apiKeyStdin?: boolean;
  verify?: boolean;
  concurrency?: string;
  forceTokens?: boolean;
  includeSecrets?: boolean;
  handOff?: boolean;
  out?: string;
  all?: boolean;
  force?: boolean;
}

type AccountsSubcommand = 'list' | 'show' | 'resume' | 'refresh' | 'delete';

function line(a: LinkedAccount): string {
  return `${a.id}  ${a.status.padEnd(18)}  ${a.integration.padEnd(10)}  tenant=${a.tenant_id}  env=${a.environment}${a.handed_off ? '  handed-off' : ''}`;
}

/** Adds list, show, resume, refresh and delete to `accounts`. */
export function defineManage(accounts: Command, ctx: CommandContext): void {
  const { io } = ctx;
  const runtime = () => ctx.operator();
  const run = (sub: AccountsSubcommand) =>
    ctx.action(async (cmd) => {
      const v: AccountsValues = { ...cmd.opts(), json: ctx.globals().json };
      const pos = cmd.args;
      switch (sub) {
        case 'list': {
          if (v.status && !(ACCOUNT_STATUSES as readonly string[]).includes(v.status)) throw usageError(`--status must be one of ${ACCOUNT_STATUSES.join(', ')}`);
          const rt = await runtime();
          const list: LinkedAccount[] = [];
          const corrupt: string[] = [];
          for await (const a of rt.accounts.list({ onCorrupt: (id) => corrupt.push(id) })) {
            if (v.tenant && a.tenant_id !== v.tenant) continue;
            if (v.status && a.status !== v.status) continue;
            if (v.integration && a.integration !== v.integration) continue;
            list.push(a);
          }
          list.sort((a, b) => a.id.localeCompare(b.id));
          out(io, v.json, { accounts: list.map((a) => maskedAccount(a, rt.integration(a.integration)?.secretContextFields)), corrupt }, list.length === 0 ? 'no accounts' : list.map(line).join('\n'));
          if (corrupt.length > 0) {
            io.stderr(`crm-mcp accounts list: ${corrupt.length} account(s) unreadable (corrupt or under an unknown key), skipped: ${corrupt.slice(0, 5).join(', ')}${corrupt.length > 5 ? ', …' : ''}\n`);
            return EXIT.failure;
          }
          return EXIT.ok;
        }
        case 'show': {
          if (pos.length !== 1) throw usageError('show takes exactly one account id');
          const rt = await runtime();
          const a = await rt.accounts.get(pos[0]!);
          if (!a) throw notFound(`no account '${pos[0]}'`);
          const shown = maskedAccount(a, rt.integration(a.integration)?.secretContextFields);
          out(io, v.json, shown, JSON.stringify(shown, null, 2));
          return EXIT.ok;
        }
        case 'resume': {
          if (v.all === pos.length > 0) throw usageError('give account ids or --all (not both)');
          const rt = await runtime();
          let ids = pos;
          if (v.all) {
            ids = [];
            for await (const a of rt.accounts.list()) if (a.handed_off) ids.push(a.id);
          }
          const res = await resumeAccounts({ accounts: rt.accounts, audit: rt.audit, actor: 'cli' }, ids);
          for (const id of res.resumed) {
            const a = await rt.accounts.get(id);
            if (a) await rt.scheduler?.tokenStored(a);
          }
          if (res.missing.length > 0) {
            throw notFound(`no account ${res.missing.map((m) => `'${m}'`).join(', ')}${res.resumed.length ? ` (resumed ${res.resumed.length} others)` : ''}`);
          }
          out(io, v.json, { ok: true, ...res }, `resumed ${res.resumed.length} account(s); this instance refreshes them again`);
          return EXIT.ok;
        }
        case 'refresh': {
          if (pos.length !== 1) throw usageError('refresh takes exactly one account id');
          const rt = await runtime();
          const before = await rt.accounts.get(pos[0]!);
          if (!before) throw notFound(`no account '${pos[0]}'`);
          if (!rt.retryRefresh) throw failure('unsupported', 'this runtime has no token manager to refresh with');
          let after: LinkedAccount;
          try {
            after = await rt.retryRefresh(before.id);
          } catch (err) {
            const e = err as { code?: string; message?: string };
            throw failure(e.code ?? 'refresh_failed', `refresh of ${before.id} failed: ${e.message ?? String(err)}`);
          }
          const shown = maskedAccount(after, rt.integration(after.integration)?.secretContextFields);
          out(io, v.json, { ok: true, reactivated: before.status !== 'active' && after.status === 'active', account: shown }, `refreshed ${after.id}: ${before.status} → ${after.status}`);
          return EXIT.ok;
        }
        case 'delete': {
          if (pos.length !== 1) throw usageError('delete takes exactly one account id');
          const rt = await runtime();
          const a = await rt.accounts.get(pos[0]!);
          if (!a) throw notFound(`no account '${pos[0]}'`);
          const revoked = await rt.revoke(a);
          if (!revoked.ok && !v.force) {
            await rt.audit.append({ operation: 'delete', outcome: 'failure', actor: 'cli', tenant_id: a.tenant_id, account_id: a.id, details: { reason: revoked.reason } });
            throw failure('revoke_failed', `${revoked.reason ?? 'revocation failed'}; account kept (use --force to delete anyway)`);
          }
          await rt.accounts.delete(a.id);
          await rt.scheduler?.forget?.(a.id);
          await rt.kv.delete(IMPORT_FP_PREFIX + a.id);
          await rt.audit.append({
            operation: 'delete',
            outcome: 'success',
            actor: 'cli',
            tenant_id: a.tenant_id,
            account_id: a.id,
            details: { revoked: revoked.attempted && revoked.ok, revoke_attempted: revoked.attempted, ...(revoked.reason ? { revoke_note: revoked.reason } : {}) },
          });
          out(io, v.json, { ok: true, id: a.id, deleted: true, revoked: revoked.attempted ? revoked.ok : null, note: revoked.reason ?? null }, `deleted ${a.id}${revoked.attempted ? (revoked.ok ? ' (grant revoked at the provider)' : ` (revocation failed: ${revoked.reason})`) : ' (integration has no revocation endpoint)'}`);
          return EXIT.ok;
        }
      }
    });

  accounts
    .command('list')
    .description('list linked accounts (secrets masked)')
    .option('--tenant <t>', 'only this tenant')
    .option('--status <s>', `only this status (${ACCOUNT_STATUSES.join(', ')})`)
    .option('--integration <name>', 'only this integration')
    .action(run('list'));
  accounts.command('show').description('one account, secrets masked').argument('[id]', 'account id').usage('[options] <id>').action(run('show'));
  accounts
    .command('resume')
    .description('take handed-off accounts back: this instance refreshes them again')
    .argument('[ids...]', 'account ids')
    .option('--all', 'every handed-off account', false)
    .usage('[options] <id...> | --all')
    .action(run('resume'));
  accounts.command('refresh').description('refresh now; also retries a needs_reauth account').argument('[id]', 'account id').usage('[options] <id>').action(run('refresh'));
  accounts
    .command('delete')
    .description("revoke the grant at the provider, then delete the account")
    .argument('[id]', 'account id')
    .option('--force', 'delete even when revocation fails', false)
    .usage('[options] <id>')
    .action(run('delete'));
}
