/**
 * `--verify`: one provider call per account (through the token manager, so expired access
 * tokens are refreshed first), bounded concurrency, then the lifecycle event the answer calls
 * for, through the lifecycle service (src/tokens/lifecycle.ts). A revoked grant ends in
 * `needs_reauth` with the provider's reason (and one authentication_error webhook, if this call
 * moved it there); anything else that fails (network, 5xx, throttling) leaves the status alone
 * and is reported as `failed`.
 */
import type { LinkedAccount } from '../accounts/model.js';
import { canTransition, type AccountEvent } from '../accounts/state-machine.js';
import type { Clock, Logger } from '../core/deps.js';
import type { AccountValidator } from '../accounts/validation.js';
import type { AuditPort } from '../audit/log.js';
import type { AccountStore } from '../store/account-store.js';
import { changeStatus, type LifecycleDeps } from '../tokens/lifecycle.js';
import { mapLimit } from './pool.js';

export interface VerifyDeps {
  accounts: AccountStore;
  verifier: AccountValidator;
  clock: Clock;
  logger: Logger;
  audit: AuditPort;
  webhooks?: LifecycleDeps['webhooks'];
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
  const lifecycle = { accounts: deps.accounts, clock: deps.clock, logger: deps.logger, audit: deps.audit, ...(deps.webhooks ? { webhooks: deps.webhooks } : {}) };

  if (verdict.ok) {
    const r = await changeStatus(lifecycle, id, {
      actor: deps.actor,
      decide: (cur) => (SUCCESS[cur.status] ? { event: SUCCESS[cur.status] } : undefined),
      error: null,
      audit: { operation: 'verify', outcome: 'success', details: (a) => ({ status: a.status }) },
    });
    await r.delivered;
    return { id, result: 'active' };
  }

  if (verdict.kind === 'needs_reauth') {
    const r = await changeStatus(lifecycle, id, {
      actor: deps.actor,
      // An account already in needs_reauth keeps the reason it has (the token manager's, usually).
      decide: (cur) =>
        cur.status === 'needs_reauth' ? (cur.last_error ? undefined : {}) : { event: canTransition(cur.status, 'auth_revoked') ? { type: 'auth_revoked', reason: verdict.reason } : undefined },
      error: { code: verdict.code, message: verdict.reason },
      audit: { operation: 'verify', outcome: 'failure', details: (a) => ({ status: a.status, reason: a.last_error?.message ?? verdict.reason }) },
    });
    await r.delivered;
    return { id, result: 'needs_reauth', reason: r.account.last_error?.message ?? verdict.reason };
  }

  await deps.audit.append({ operation: 'verify', outcome: 'failure', actor: deps.actor, tenant_id: account.tenant_id, account_id: id, details: { reason: verdict.reason } });
  return { id, result: 'failed', reason: verdict.reason };
}
