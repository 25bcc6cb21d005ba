/**
 * Reconnect/reactivation: stores a fresh token set and moves a needs_reauth account back to
 * active through the state machine ('reauthorized'), sending one `integrated_account:reactivated`
 * webhook when (and only when) the status actually changed. The connect flow calls this.
 */
import type { LinkedAccount, OAuthToken } from '../accounts/model.js';
import { transition } from '../accounts/state-machine.js';
import type { Clock } from '../core/deps.js';
import type { AccountStore } from '../store/account-store.js';
import type { TokenManagerAudit } from './manager.js';

export interface ReactivateDeps {
  store: AccountStore;
  clock: Clock;
  webhooks?: { reactivated(account: LinkedAccount): Promise<void> };
  audit?: TokenManagerAudit;
  actor: string;
  /** Schedules the next proactive refresh (RefreshScheduler.tokenStored). */
  onTokenStored?(account: LinkedAccount): void | Promise<void>;
}

export async function reactivateAccount(deps: ReactivateDeps, accountId: string, token: OAuthToken): Promise<LinkedAccount> {
  let from: LinkedAccount['status'] | undefined;
  const nowIso = new Date(deps.clock.now()).toISOString();
  const next = await deps.store.update(accountId, (cur) => {
    from = cur.status;
    const status = cur.status === 'needs_reauth' ? transition(cur.status, { type: 'reauthorized' }) : cur.status;
    return {
      ...cur,
      status,
      ...(status !== cur.status ? { status_changed_at: nowIso } : {}),
      last_error: null,
      context: { ...cur.context, oauth: { token: { issued_at: nowIso, ...token } } },
    };
  });
  const moved = from === 'needs_reauth' && next.status === 'active';
  await deps.audit?.append({ operation: 'reactivate', outcome: 'success', actor: deps.actor, tenant_id: next.tenant_id, account_id: next.id, details: { from, to: next.status } });
  await deps.onTokenStored?.(next);
  if (moved) await deps.webhooks?.reactivated(next);
  return next;
}
