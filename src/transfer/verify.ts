/**
 * `--verify`: one provider call per account (through the token manager, so expired access
 * tokens are refreshed first), bounded concurrency, then the lifecycle event the answer calls
 * for. A revoked grant ends in `needs_reauth` with the provider's reason; anything else that
 * fails (network, 5xx, throttling) leaves the status alone and is reported as `failed`.
 */
import type { LinkedAccount } from '../accounts/model.js';
import { canTransition, transition, type AccountEvent } from '../accounts/state-machine.js';
import type { Clock } from '../core/deps.js';
import type { AccountValidator, AuditPort, WebhookPort } from '../connect/ports.js';
import type { AccountStore } from '../store/account-store.js';
import { mapLimit } from './pool.js';

export interface VerifyDeps {
  accounts: AccountStore;
  verifier: AccountValidator;
  clock: Clock;
  audit: AuditPort;
  webhooks?: WebhookPort;
  actor: string;
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface VerifyRow {
  id: string;
  result: 'active' | 'needs_reauth' | 'failed';
  reason?: string;
}

export interface VerifySummary {
  active: number;
  needs_reauth: number;
  failed: number;
  accounts: VerifyRow[];
}

const SUCCESS: Partial<Record<LinkedAccount['status'], AccountEvent>> = {
  connecting: { type: 'validated' },
  needs_reauth: { type: 'reauthorized' },
  validation_error: { type: 'retry_succeeded' },
  post_install_error: { type: 'retry_succeeded' },
};

export async function verifyAccounts(deps: VerifyDeps, ids: readonly string[]): Promise<VerifySummary> {
  let done = 0;
  deps.onProgress?.(0, ids.length);
  const rows = await mapLimit(ids, deps.concurrency ?? 8, async (id) => {
    const row = await verifyOne(deps, id);
    deps.onProgress?.(++done, ids.length);
    return row;
  });
  const summary: VerifySummary = { active: 0, needs_reauth: 0, failed: 0, accounts: rows };
  for (const r of rows) summary[r.result]++;
  return summary;
}

async function verifyOne(deps: VerifyDeps, id: string): Promise<VerifyRow> {
  const account = await deps.accounts.get(id);
  if (!account) return { id, result: 'failed', reason: 'account not found' };
  if (account.handed_off) return { id, result: 'failed', reason: 'handed off to another system; resume it first' };
  let verdict;
  try {
    verdict = await deps.verifier.validate(account);
  } catch (err) {
    verdict = { ok: false as const, kind: 'failed' as const, code: 'error', reason: (err as Error).message };
  }
  const audit = (outcome: 'success' | 'failure', details: Record<string, unknown>) =>
    deps.audit.append({ operation: 'verify', outcome, actor: deps.actor, tenant_id: account.tenant_id, account_id: id, details });

  if (verdict.ok) {
    const before = (await deps.accounts.get(id))?.status ?? account.status;
    const after = await deps.accounts.update(id, (cur) => {
      const ev = SUCCESS[cur.status];
      return ev ? { ...cur, status: transition(cur.status, ev), last_error: null } : undefined;
    });
    if (before === 'needs_reauth' && after.status === 'active') await deps.webhooks?.reactivated(after);
    await audit('success', { status: after.status });
    return { id, result: 'active' };
  }

  if (verdict.kind === 'needs_reauth') {
    const lastError = { code: verdict.code, message: verdict.reason, at: new Date(deps.clock.now()).toISOString() };
    const after = await deps.accounts.update(id, (cur) => {
      if (cur.status === 'needs_reauth') return cur.last_error ? undefined : { ...cur, last_error: lastError };
      if (!canTransition(cur.status, 'auth_revoked')) return { ...cur, last_error: lastError };
      return { ...cur, status: transition(cur.status, { type: 'auth_revoked', reason: verdict.reason }), last_error: lastError };
    });
    const reason = after.last_error?.message ?? verdict.reason;
    await audit('failure', { status: after.status, reason });
    return { id, result: 'needs_reauth', reason };
  }

  await audit('failure', { reason: verdict.reason });
  return { id, result: 'failed', reason: verdict.reason };
}
