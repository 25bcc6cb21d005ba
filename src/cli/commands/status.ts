/**
 * `crm-mcp status`: accounts by state, long-stuck needs_reauth accounts, next refreshes. Exits 1
 * when any stored account cannot be read (a missing or wrong key, a corrupt record), saying how
 * many: a count that silently skipped them would look like a healthy, smaller deployment.
 */
import type { Command } from 'commander';
import type { LinkedAccount } from '../../accounts/model.js';
import type { CommandContext } from '../context.js';
import { EXIT, usageError } from '../exit.js';
import { out, parseDurationFlag } from '../kit.js';

/** The token manager refreshes 60–180 s before expiry; without its schedule, show that window. */
function refreshWindow(a: LinkedAccount): { account_id: string; at: string; expires_at: string } | undefined {
  const exp = a.context.oauth?.token.expires_at;
  if (!exp || a.status !== 'active' || a.handed_off) return undefined;
  const t = Date.parse(exp);
  return { account_id: a.id, at: new Date(t - 180e3).toISOString(), expires_at: exp };
}

export function define(status: Command, ctx: CommandContext): void {
  const { io } = ctx;
  status
    .option('--stale-after <duration>', 'report needs_reauth accounts stuck longer than this (default 7d)')
    .option('--next <n>', 'how many upcoming refreshes to list, 0-1000 (default 10)')
    .action(
      ctx.action(async (cmd) => {
        const v = { ...cmd.opts<{ staleAfter?: string; next?: string }>(), json: ctx.globals().json };
        const staleMs = v.staleAfter ? parseDurationFlag(v.staleAfter, '--stale-after') : 7 * 86400e3;
        const nextN = v.next === undefined ? 10 : Number(v.next);
        if (!Number.isInteger(nextN) || nextN < 0 || nextN > 1000) throw usageError('--next must be an integer from 0 to 1000');
        const rt = await ctx.operator();
        const now = rt.deps.clock.now();
        const unreadable = new Map<string, string>();
        const counts = await rt.accounts.countByStatus({ onCorrupt: (id, err) => unreadable.set(id, (err as { code?: string }).code ?? 'error') });
        const stale = (await rt.accounts.listByStatus('needs_reauth'))
          .map((a) => ({ a, since: Date.parse(a.status_changed_at ?? a.updated_at) }))
          .filter(({ since }) => now - since > staleMs)
          .map(({ a, since }) => ({ id: a.id, tenant_id: a.tenant_id, integration: a.integration, since: new Date(since).toISOString(), days: Math.floor((now - since) / 86400e3), reason: a.last_error?.message ?? null }));
        let handedOff = 0;
        const scheduled = await rt.scheduler?.upcoming?.(nextN);
        const windows: NonNullable<ReturnType<typeof refreshWindow>>[] = [];
        const refreshable = new Set<string>();
        // Active accounts whose refresh fails for a reason outside them (the OAuth client): retried slowly, never dropped.
        const failing: Array<{ id: string; integration: string; since: string; reason: string }> = [];
        for await (const a of rt.accounts.list()) {
          if (a.handed_off) handedOff++;
          else if (a.status === 'active') refreshable.add(a.id);
          if (a.status === 'active' && a.last_error?.code === 'oauth_client_misconfigured') failing.push({ id: a.id, integration: a.integration, since: a.last_error.at, reason: a.last_error.message });
          const w = scheduled ? undefined : refreshWindow(a);
          if (w) windows.push(w);
        }
        // A queue entry for an account that left `active` (or was handed off) will be skipped when due.
        const upcoming = scheduled?.filter((u) => refreshable.has(u.account_id));
        const next: Array<{ account_id: string; at: string; expires_at?: string }> = upcoming ?? windows.sort((x, y) => x.at.localeCompare(y.at)).slice(0, nextN);
        const total = Object.values(counts).reduce((s, n) => s + n, 0);
        const text = [
          `accounts: ${total}${handedOff ? ` (${handedOff} handed off)` : ''}${unreadable.size ? `; ${unreadable.size} more cannot be read` : ''}`,
          ...Object.entries(counts).map(([s, n]) => `  ${s.padEnd(18)} ${n}`),
          `needs_reauth longer than ${Math.round(staleMs / 86400e3)} day(s): ${stale.length}`,
          ...stale.map((s) => `  ${s.id}  ${s.integration}  tenant=${s.tenant_id}  since ${s.since} (${s.days} d)${s.reason ? `: ${s.reason}` : ''}`),
          `active, refresh failing (OAuth client): ${failing.length}`,
          ...failing.map((f) => `  ${f.id}  ${f.integration}  since ${f.since}: ${f.reason}`),
          `next refreshes${upcoming ? '' : ' (earliest start of each 60–180 s window)'}:`,
          ...next.map((n) => `  ${n.at}  ${n.account_id}`),
        ].join('\n');
        out(io, v.json, { total, unreadable: unreadable.size, counts, handed_off: handedOff, stale_needs_reauth: stale, refresh_failing: failing, next_refreshes: next, next_refreshes_source: upcoming ? 'scheduler' : 'expiry' }, text);
        if (unreadable.size === 0) return EXIT.ok;
        const reasons = [...new Set(unreadable.values())].join(', ');
        io.stderr(`crm-mcp status: ${unreadable.size} account(s) cannot be read (${reasons}): check the encryption key (CRM_MCP_ENCRYPTION_KEY(S) or the key file); 'crm-mcp accounts list' names them\n`);
        return EXIT.failure;
      }),
    );
}
