/**
 * Export: every account in the import shape (see record.ts), so `export | import` round-trips.
 * Secrets are masked (`****a1b2`, which import rejects) unless `includeSecrets`. With `handOff`
 * each exported account is marked `handed_off` here — another system now owns its refresh
 * token, so this instance stops refreshing it — and the file carries no such mark.
 */
import { maskValue } from '../accounts/mask.js';
import type { LinkedAccount } from '../accounts/model.js';
import type { AuditPort } from '../audit/log.js';
import type { TokenScheduler } from '../tokens/scheduler.js';
import { isSecretKey, maskSecret } from '../core/redact.js';
import type { AccountStore } from '../store/account-store.js';

export interface ExportOptions {
  includeSecrets: boolean;
  handOff: boolean;
  /** Only these accounts (default: all). */
  ids?: readonly string[];
  tenantId?: string;
}

export interface ExportRecord {
  id: string;
  integration: string;
  tenant_id: string;
  environment: string;
  status: LinkedAccount['status'];
  authentication_method: LinkedAccount['authentication_method'];
  context: Record<string, unknown>;
  integration_override?: Record<string, unknown>;
  unified_model_override?: Record<string, unknown>;
  created_at: string;
}

export function toExportRecord(a: LinkedAccount, includeSecrets: boolean, secretContextFields: readonly string[] = []): ExportRecord {
  return {
    id: a.id,
    integration: a.integration,
    tenant_id: a.tenant_id,
    environment: a.environment,
    status: a.status,
    authentication_method: a.authentication_method,
    context: includeSecrets ? (a.context as Record<string, unknown>) : maskContext(a.context, secretContextFields),
    ...(a.integration_override ? { integration_override: a.integration_override } : {}),
    ...(a.unified_model_override ? { unified_model_override: a.unified_model_override } : {}),
    created_at: a.created_at,
  };
}

/** Masks every string under a secret-looking key (access/refresh tokens, api keys, secrets). */
/**
 * A context with every secret masked once: keys whose name looks secret (tokens, API keys, …)
 * and the fields the integration's definition marks secret, whatever their name or type.
 */
export function maskContext(context: Record<string, unknown>, secretContextFields: readonly string[] = []): Record<string, unknown> {
  const out = maskSecrets(context) as Record<string, unknown>;
  for (const f of secretContextFields) if (context[f] !== undefined && context[f] !== null) out[f] = maskValue(context[f]);
  return out;
}

export function maskSecrets(v: unknown, depth = 0): unknown {
  if (depth > 10) return '[depth]';
  if (Array.isArray(v)) return v.map((x) => maskSecrets(x, depth + 1));
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, isSecretKey(k) && typeof x === 'string' ? maskSecret(x) : maskSecrets(x, depth + 1)]));
  }
  return v;
}

export async function exportAccounts(
  deps: {
    accounts: AccountStore;
    audit: AuditPort;
    actor: string;
    scheduler?: TokenScheduler;
    /** Context fields each integration's definition marks secret (masked unless secrets are included). */
    secretContextFields?: (integration: string) => readonly string[];
  },
  opts: ExportOptions,
): Promise<{ records: ExportRecord[]; corrupt: string[] }> {
  const records: ExportRecord[] = [];
  const corrupt: string[] = [];
  const wanted = opts.ids ? new Set(opts.ids) : undefined;
  for await (const a of deps.accounts.list({ onCorrupt: (id) => corrupt.push(id) })) {
    if (wanted && !wanted.has(a.id)) continue;
    if (opts.tenantId && a.tenant_id !== opts.tenantId) continue;
    records.push(toExportRecord(a, opts.includeSecrets, deps.secretContextFields?.(a.integration)));
  }
  records.sort((a, b) => a.id.localeCompare(b.id));
  if (opts.handOff) {
    for (const r of records) {
      await deps.accounts.update(r.id, (cur) => (cur.handed_off ? undefined : { ...cur, handed_off: true }));
      await deps.scheduler?.forget?.(r.id);
    }
  }
  for (const r of records) {
    if (opts.includeSecrets || opts.handOff) {
      await deps.audit.append({
        operation: opts.includeSecrets ? 'export_secrets' : 'export',
        outcome: 'success',
        actor: deps.actor,
        tenant_id: r.tenant_id,
        account_id: r.id,
        details: { include_secrets: opts.includeSecrets, hand_off: opts.handOff },
      });
    }
  }
  await deps.audit.append({ operation: 'export', outcome: 'success', actor: deps.actor, details: { accounts: records.length, include_secrets: opts.includeSecrets, hand_off: opts.handOff, corrupt: corrupt.length } });
  return { records, corrupt };
}

/** Undo a hand-off: this instance owns (and refreshes) these accounts again. */
export async function resumeAccounts(deps: { accounts: AccountStore; audit: AuditPort; actor: string }, ids: readonly string[]): Promise<{ resumed: string[]; missing: string[] }> {
  const resumed: string[] = [];
  const missing: string[] = [];
  for (const id of ids) {
    const a = await deps.accounts.get(id);
    if (!a) {
      missing.push(id);
      continue;
    }
    const next = await deps.accounts.update(id, (cur) => (cur.handed_off ? { ...cur, handed_off: false } : undefined));
    resumed.push(id);
    await deps.audit.append({ operation: 'resume', outcome: 'success', actor: deps.actor, tenant_id: next.tenant_id, account_id: id, details: {} });
  }
  return { resumed, missing };
}
