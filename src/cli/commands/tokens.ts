/**
 * `crm-mcp tokens create|list|revoke`: MCP bearer access tokens for `crm-mcp serve`. A token is
 * printed once at creation and stored only as its SHA-256 (src/access-tokens/STORAGE.md).
 */
import { parseArgs } from 'node:util';
import { openRuntime, RUNTIME_OPTIONS, RUNTIME_USAGE, runtimeFlags, type OpenRuntime } from '../open.js';
import type { CliIo } from '../io.js';

const USAGE = `Usage:
  crm-mcp tokens create --tenant <t> --account <id> [--expires-in 30d] [--label <text>] [--json]
  crm-mcp tokens list [--tenant <t>] [--account <id>] [--json]
  crm-mcp tokens revoke <token-id> [--json]
${RUNTIME_USAGE}`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  return runWith(argv, io, openRuntime);
}

/** `run` with the runtime opener injected (tests pass an in-memory one). */
export async function runWith(argv: string[], io: CliIo, openRuntime: OpenRuntime): Promise<number> {
  const [sub, ...rest] = argv;
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        tenant: { type: 'string' },
        account: { type: 'string' },
        'expires-in': { type: 'string' },
        label: { type: 'string' },
        json: { type: 'boolean', default: false },
        ...RUNTIME_OPTIONS,
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    });
  } catch (err) {
    io.stderr(`crm-mcp tokens: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help || !sub || sub === 'help' || sub === '--help') {
    io.stdout(USAGE);
    return sub ? 0 : 2;
  }
  if (!['create', 'list', 'revoke'].includes(sub)) {
    io.stderr(`crm-mcp tokens: unknown subcommand '${sub}'\n${USAGE}`);
    return 2;
  }
  const { createAccessTokenStore, parseDuration } = await import('../../access-tokens/store.js');
  let expiresInMs: number | undefined;
  if (values['expires-in'] !== undefined) {
    try {
      expiresInMs = parseDuration(values['expires-in']);
    } catch (err) {
      io.stderr(`crm-mcp tokens: ${(err as Error).message}\n`);
      return 2;
    }
  }
  if (sub === 'create' && (!values.tenant || !values.account)) {
    io.stderr(`crm-mcp tokens create: --tenant and --account are required\n`);
    return 2;
  }
  if (sub === 'revoke' && positionals.length !== 1) {
    io.stderr(`crm-mcp tokens revoke: give exactly one token id (see 'crm-mcp tokens list')\n`);
    return 2;
  }

  const rt = await openRuntime(runtimeFlags(values, 'warn'), io);
  try {
    const tokens = createAccessTokenStore({ kv: rt.kv, clock: rt.deps.clock, random: rt.deps.random });
    const out = (json: unknown, text: string) => io.stdout(values.json ? JSON.stringify(json) + '\n' : text);
    switch (sub) {
      case 'create': {
        const account = await rt.accounts.get(values.account!);
        if (!account || account.tenant_id !== values.tenant) {
          // Same answer for "missing" and "other tenant's": nothing is learned about other tenants.
          io.stderr(`crm-mcp tokens create: tenant '${values.tenant}' has no account '${values.account}'\n`);
          return 1;
        }
        const { token, info } = await tokens.create({
          tenantId: values.tenant!,
          accountId: values.account!,
          ...(expiresInMs !== undefined ? { expiresInMs } : {}),
          ...(values.label ? { label: values.label } : {}),
        });
        out(
          { token, ...info },
          `${token}\n\nToken ${info.id} for tenant ${info.tenant_id}, account ${info.account_id}` +
            `${info.expires_at ? `, expires ${info.expires_at}` : ', no expiry'}.\nThis is the only time the token is shown; only its hash is stored.\n`,
        );
        return 0;
      }
      case 'list': {
        const list = await tokens.list({ ...(values.tenant ? { tenantId: values.tenant } : {}), ...(values.account ? { accountId: values.account } : {}) });
        const now = rt.deps.clock.now();
        const state = (t: (typeof list)[number]) => (t.revoked_at ? 'revoked' : t.expires_at && Date.parse(t.expires_at) <= now ? 'expired' : 'active');
        out(
          list.map((t) => ({ ...t, state: state(t) })),
          list.length === 0
            ? 'no tokens\n'
            : list.map((t) => `${t.id}  ${state(t).padEnd(7)}  tenant=${t.tenant_id}  account=${t.account_id}  expires=${t.expires_at ?? 'never'}${t.label ? `  label=${t.label}` : ''}`).join('\n') + '\n',
        );
        return 0;
      }
      default: {
        const id = positionals[0]!;
        const ok = await tokens.revoke(id);
        if (!ok) {
          io.stderr(`crm-mcp tokens revoke: no token '${id}'\n`);
          if (values.json) io.stdout(JSON.stringify({ id, revoked: false }) + '\n');
          return 1;
        }
        out({ id, revoked: true }, `revoked ${id}\n`);
        return 0;
      }
    }
  } finally {
    await rt.close();
  }
}
