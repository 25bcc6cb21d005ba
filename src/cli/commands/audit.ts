/** `crm-mcp audit`: the credential-operation trail, filtered. Entries never hold secrets. */
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { EXIT, usageError } from '../exit.js';
import { out, parseTimeFlag } from '../kit.js';

interface AuditOptions {
  account?: string;
  tenant?: string;
  operation?: string;
  since?: string;
  until?: string;
  limit?: string;
}

export function define(audit: Command, ctx: CommandContext): void {
  const { io } = ctx;
  audit
    .option('--account <id>', 'only this account')
    .option('--tenant <t>', 'only this tenant')
    .option('--operation <op>', 'only this operation (e.g. import_account, delete, refresh)')
    .option('--since <ISO|7d>', 'entries at or after this time (or this long ago)')
    .option('--until <ISO|1h>', 'entries at or before this time (or this long ago)')
    .option('--limit <n>', 'at most this many entries, the latest, 1-100000 (default 100)')
    .action(
      ctx.action(async (cmd) => {
        const v = cmd.opts<AuditOptions>();
        const limit = v.limit === undefined ? 100 : Number(v.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) throw usageError('--limit must be an integer from 1 to 100000');
        const rt = await ctx.operator();
        const now = rt.deps.clock.now();
        const entries = await rt.audit.query({
          ...(v.account ? { accountId: v.account } : {}),
          ...(v.tenant ? { tenantId: v.tenant } : {}),
          ...(v.operation ? { operation: v.operation } : {}),
          ...(v.since ? { since: parseTimeFlag(v.since, '--since', now) } : {}),
          ...(v.until ? { until: parseTimeFlag(v.until, '--until', now) } : {}),
          limit,
        });
        out(
          io,
          ctx.globals().json,
          { entries },
          entries.length === 0
            ? 'no audit entries'
            : entries.map((e) => `${e.time}  ${e.operation.padEnd(16)} ${e.outcome.padEnd(7)} actor=${e.actor}${e.tenant_id ? ` tenant=${e.tenant_id}` : ''}${e.account_id ? ` account=${e.account_id}` : ''}${e.details ? ' ' + JSON.stringify(e.details) : ''}`).join('\n'),
        );
        return EXIT.ok;
      }),
    );
}
