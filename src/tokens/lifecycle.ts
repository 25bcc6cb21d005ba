/**
 * The one place a linked account's status changes. Every path that moves it — connect and
 * reconnect, refresh and operator retry (the token manager), import --verify, `accounts create` —
 * calls `changeStatus`, which in one conditional store write applies the event through the pure
 * state machine (src/accounts/state-machine.ts) and sets `status_changed_at` and `last_error`;
 * then writes the audit entry and starts the lifecycle webhook that change calls for:
 *   → needs_reauth               integrated_account:authentication_error (with the reason)
 *   needs_reauth → active        integrated_account:reactivated
 *   anything else                no webhook
 * It lives beside the token manager rather than in src/accounts/ because it writes through the
 * store, which itself depends on src/accounts/.
 */
import type { AccountStatus, LinkedAccount } from '../accounts/model.js';
import { transition, type AccountEvent } from '../accounts/state-machine.js';
import type { AuditInput, AuditPort } from '../audit/log.js';
import type { Clock, Logger } from '../core/deps.js';
import type { AccountStore } from '../store/account-store.js';
import type { LifecycleWebhooks } from '../webhooks/sender.js';

export interface LifecycleDeps {
  accounts: Pick<AccountStore, 'update'>;
  clock: Clock;
  logger: Logger;
  /** The audit trail (src/audit/log.ts); the record it returns is not read. */
  audit?: AuditPort;
  /** The webhook sender (src/webhooks/sender.ts); an event it lacks is not sent. */
  webhooks?: LifecycleWebhooks;
}

export interface StatusChange {
  /** Who acts, for the audit trail (e.g. 'token-manager', 'cli', 'connect-link'). */
  actor: string;
  /**
   * Decides from the account as stored when the write happens (and again if another writer got
   * there first): the event to apply — none leaves the status as it is — and other fields written
   * in the same write (tokens, context). `undefined` writes nothing.
   */
  decide(current: LinkedAccount): { event?: AccountEvent; fields?: Partial<LinkedAccount> } | undefined;
  /** `last_error` written with the change (null clears it); absent leaves it. */
  error?: { code: string; message: string } | null;
  /**
   * The operation's own audit entry, written whether or not the account changed (details gain
   * `from` and `to`). Without it, a `transition` entry is written when the status moved.
   */
  audit?: { operation: string; outcome: 'success' | 'failure'; details?(account: LinkedAccount): Record<string, unknown> };
  /** Why, for the transition entry and the authentication_error webhook (default: the error's message). */
  reason?: string;
}

export interface StatusChangeResult {
  /** The account as stored after the change (or as found, when nothing was written). */
  account: LinkedAccount;
  from: AccountStatus;
  /** The status moved. */
  changed: boolean;
  /** The webhook's delivery (already settled when there is none): await it or let it run; failures are logged. */
  delivered: Promise<void>;
}

/** The account after `change`, or undefined when it decides not to write. Pure. */
export function applyStatusChange(current: LinkedAccount, change: Pick<StatusChange, 'decide' | 'error'>, nowMs: number): LinkedAccount | undefined {
  const d = change.decide(current);
  if (!d) return undefined;
  const at = new Date(nowMs).toISOString();
  const status = d.event ? transition(current.status, d.event) : current.status;
  return {
    ...current,
    ...d.fields,
    status,
    ...(status !== current.status ? { status_changed_at: at } : {}),
    ...(change.error === null ? { last_error: null } : change.error ? { last_error: { ...change.error, at } } : {}),
  };
}

export async function changeStatus(deps: LifecycleDeps, accountId: string, change: StatusChange): Promise<StatusChangeResult> {
  const log = deps.logger.child({ component: 'lifecycle' });
  let from: AccountStatus | undefined;
  const account = await deps.accounts.update(accountId, (cur) => {
    from = cur.status;
    return applyStatusChange(cur, change, deps.clock.now());
  });
  const was = from ?? account.status;
  const changed = account.status !== was;
  const reason = change.reason ?? change.error?.message;
  const base = { actor: change.actor, tenant_id: account.tenant_id, account_id: account.id };
  const entry: AuditInput | undefined = change.audit
    ? { ...base, operation: change.audit.operation, outcome: change.audit.outcome, details: { ...change.audit.details?.(account), from: was, to: account.status } }
    : changed
      ? { ...base, operation: 'transition', outcome: 'success', details: { from: was, to: account.status, ...(reason !== undefined ? { reason } : {}) } }
      : undefined;
  if (entry) await deps.audit?.append(entry).catch((err: unknown) => log.error('audit append failed', { account_id: account.id, operation: entry.operation, err }));

  let send: Promise<void> | undefined;
  if (changed && account.status === 'needs_reauth') send = deps.webhooks?.authenticationError?.(account, reason ?? 'the provider rejected the credentials');
  else if (changed && was === 'needs_reauth' && account.status === 'active') send = deps.webhooks?.reactivated?.(account);
  const delivered = (send ?? Promise.resolve()).catch((err: unknown) => log.error('lifecycle webhook failed', { account_id: account.id, to: account.status, err }));
  return { account, from: was, changed, delivered };
}
