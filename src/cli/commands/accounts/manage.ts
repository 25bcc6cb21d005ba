/**
 * `crm-mcp accounts list|show|create|import|export|resume|delete`. Secrets are always masked
 * in list/show; only `export --include-secrets` reveals them.
 */
import type { LinkedAccount } from '../../accounts/model.js';
import { ACCOUNT_STATUSES } from '../../accounts/model.js';
import type { CliIo } from '../../cli/io.js';
import { maskContext, resumeAccounts } from '../../transfer/export.js';
import { IMPORT_FP_PREFIX } from '../../transfer/import.js';
import type { OpenOperatorRuntime } from '../../cli/open.js';
import { runCreate } from './accounts-create.js';
import { runExport } from './accounts-export.js';
import { runImport } from './accounts-import.js';
import { EXIT, EXIT_CODES_DOC, failure, flagsOf, notFound, out, parse, runCommand, STORE_FLAGS_DOC, usageError } from './kit.js';

export const ACCOUNTS_USAGE = `Usage:
  crm-mcp accounts list [--tenant <t>] [--status <s>] [--integration <name>] [--json]
  crm-mcp accounts show <id> [--json]
  crm-mcp accounts create --tenant <t> --integration <name> --auth-method api_key|oauth2_client_credentials
                          [--api-key-env <VAR> | --api-key-stdin] [--environment <env>] [--id <id>] [--json]
  crm-mcp accounts import <file|-> [--verify] [--concurrency 8] [--json]
  crm-mcp accounts export [--include-secrets] [--hand-off] [--tenant <t>] [--out <file>] [--json]
  crm-mcp accounts resume <id...> | --all [--json]
  crm-mcp accounts refresh <id> [--json]      refresh now; also retries a needs_reauth account
  crm-mcp accounts delete <id> [--force] [--json]
${STORE_FLAGS_DOC}
${EXIT_CODES_DOC}
`;

const OPTIONS = {
  tenant: { type: 'string' },
  status: { type: 'string' },
  integration: { type: 'string' },
  environment: { type: 'string' },
  id: { type: 'string' },
  'auth-method': { type: 'string' },
  'api-key-env': { type: 'string' },
  'api-key-stdin': { type: 'boolean', default: false },
  verify: { type: 'boolean', default: false },
  concurrency: { type: 'string' },
  'include-secrets': { type: 'boolean', default: false },
  'hand-off': { type: 'boolean', default: false },
  out: { type: 'string' },
  all: { type: 'boolean', default: false },
  force: { type: 'boolean', default: false },
} as const;

export type AccountsValues = ReturnType<typeof parse<typeof OPTIONS>>['values'];

/** The masked, display-safe view of an account (see maskContext). */
export function maskedAccount(a: LinkedAccount, secretContextFields: readonly string[] = []): Record<string, unknown> {
  return { ...a, context: maskContext(a.context, secretContextFields) };
}

function line(a: LinkedAccount): string {
  return `${a.id}  ${a.status.padEnd(18)}  ${a.integration.padEnd(10)}  tenant=${a.tenant_id}  env=${a.environment}${a.handed_off ? '  handed-off' : ''}`;
}

export async function runAccounts(argv: string[], io: CliIo, open: OpenOperatorRuntime): Promise<number> {
  const [sub, ...rest] = argv;
  let values: AccountsValues | undefined;
  return runCommand(
    `accounts${sub ? ' ' + sub : ''}`,
    io,
    () => Boolean(values?.json) || rest.includes('--json'),
    ACCOUNTS_USAGE,
    async ({ runtime }) => {
      if (!sub || sub === '--help' || sub === '-h' || sub === 'help') {
        io.stdout(ACCOUNTS_USAGE);
        return sub ? EXIT.ok : EXIT.usage;
      }
      const parsed = parse(rest, OPTIONS);
      values = parsed.values;
      const v = values;
      const pos = parsed.positionals;
      if (v.help) {
        io.stdout(ACCOUNTS_USAGE);
        return EXIT.ok;
      }
      switch (sub) {
        case 'list': {
          if (pos.length > 0) throw usageError('list takes no positional arguments');
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
        case 'create':
          return runCreate(io, v, pos, runtime);
        case 'import':
          return runImport(io, v, pos, runtime);
        case 'export':
          return runExport(io, v, pos, runtime);
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
        default:
          throw usageError(`unknown subcommand '${sub}'`);
      }
    },
    open,
    () => flagsOf(values ?? {}),
  );
}
