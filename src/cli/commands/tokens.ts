/**
 * `crm-mcp tokens create|list|revoke`: MCP bearer access tokens for `crm-mcp serve`. A token is
 * printed once at creation and stored only as its SHA-256 (src/access-tokens/STORAGE.md).
 */
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { EXIT, notFound, usageError } from '../exit.js';
import { out } from '../kit.js';

interface TokenOptions {
  tenant?: string;
  account?: string;
  expiresIn?: string;
  label?: string;
}

export function define(tokens: Command, ctx: CommandContext): void {
  const { io } = ctx;
  const open = async () => {
    const [rt, { createAccessTokenStore }] = await Promise.all([ctx.mcp('warn'), import('../../access-tokens/store.js')]);
    return { rt, tokens: createAccessTokenStore({ kv: rt.kv, clock: rt.deps.clock, random: rt.deps.random }) };
  };
  const print = (json: unknown, text: string) => out(io, ctx.globals().json, json, text);

  tokens
    .command('create')
    .description('create a token for one account of a tenant; it is shown once, only its hash is stored')
    .option('--tenant <t>', 'tenant (required)')
    .option('--account <id>', "one of the tenant's accounts (required)")
    .option('--expires-in <duration>', 'lifetime, e.g. 30d or 12h (default: no expiry)')
    .option('--label <text>', 'a note shown by tokens list')
    .action(
      ctx.action(async (cmd) => {
        const v = cmd.opts<TokenOptions>();
        const { parseDuration } = await import('../../access-tokens/store.js');
        let expiresInMs: number | undefined;
        if (v.expiresIn !== undefined) {
          try {
            expiresInMs = parseDuration(v.expiresIn);
          } catch (err) {
            throw usageError((err as Error).message);
          }
        }
        if (!v.tenant || !v.account) throw usageError('--tenant and --account are required');
        const { rt, tokens } = await open();
        const account = await rt.accounts.get(v.account);
        // Same answer for "missing" and "another tenant's": nothing is learned about other tenants.
        if (!account || account.tenant_id !== v.tenant) throw notFound(`tenant '${v.tenant}' has no account '${v.account}'`);
        const { token, info } = await tokens.create({
          tenantId: v.tenant,
          accountId: v.account,
          ...(expiresInMs !== undefined ? { expiresInMs } : {}),
          ...(v.label ? { label: v.label } : {}),
        });
        print(
          { token, ...info },
          `${token}\n\nToken ${info.id} for tenant ${info.tenant_id}, account ${info.account_id}` +
            `${info.expires_at ? `, expires ${info.expires_at}` : ', no expiry'}.\nThis is the only time the token is shown; only its hash is stored.\n`,
        );
        return EXIT.ok;
      }),
    );

  tokens
    .command('list')
    .description('list tokens (never the token itself) with their state: active, expired, revoked')
    .option('--tenant <t>', 'only this tenant')
    .option('--account <id>', 'only this account')
    .action(
      ctx.action(async (cmd) => {
        const v = cmd.opts<TokenOptions>();
        const { rt, tokens } = await open();
        const list = await tokens.list({ ...(v.tenant ? { tenantId: v.tenant } : {}), ...(v.account ? { accountId: v.account } : {}) });
        const now = rt.deps.clock.now();
        const state = (t: (typeof list)[number]) => (t.revoked_at ? 'revoked' : t.expires_at && Date.parse(t.expires_at) <= now ? 'expired' : 'active');
        print(
          list.map((t) => ({ ...t, state: state(t) })),
          list.length === 0
            ? 'no tokens\n'
            : list.map((t) => `${t.id}  ${state(t).padEnd(7)}  tenant=${t.tenant_id}  account=${t.account_id}  expires=${t.expires_at ?? 'never'}${t.label ? `  label=${t.label}` : ''}`).join('\n') + '\n',
        );
        return EXIT.ok;
      }),
    );

  tokens
    .command('revoke')
    .description('revoke a token; every serve refuses it within a second (usually from the next request on)')
    .argument('[token-id]', "the token's id (see tokens list)")
    .usage('[options] <token-id>')
    .action(
      ctx.action(async (cmd) => {
        const id = cmd.args[0];
        if (id === undefined) throw usageError("give exactly one token id (see 'crm-mcp tokens list')");
        const { tokens } = await open();
        if (!(await tokens.revoke(id))) {
          io.stderr(`crm-mcp tokens revoke: no token '${id}'\n`);
          if (ctx.globals().json) io.stdout(JSON.stringify({ id, revoked: false }) + '\n');
          return EXIT.notFound;
        }
        print({ id, revoked: true }, `revoked ${id}\n`);
        return EXIT.ok;
      }),
    );
}
