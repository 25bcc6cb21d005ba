/**
 * After a successful code exchange: store the account (new: `connecting`; reconnect: same id,
 * same status, fresh tokens), make one lightweight call with the new token, then send the
 * lifecycle event. Every outcome is audited; nothing here ever logs or returns a token.
 */
import type { LinkedAccount, OAuthToken } from '../accounts/model.js';
import { transition, type AccountEvent } from '../accounts/state-machine.js';
import type { Clock, Random } from '../core/deps.js';
import { CrmMcpError } from '../core/errors.js';
import type { AccountStore } from '../store/account-store.js';
import type { AccountValidator, AuditPort, WebhookPort } from './ports.js';

export interface TokenScheduler {
  /** The token manager's hook: a token was minted or imported for this account (schedule its refresh). */
  tokenStored(account: LinkedAccount): void | Promise<void>;
  /**
   * This instance no longer refreshes the account (handed off or deleted): drop its scheduled
   * refresh. The token manager must still re-check `handed_off` when a refresh comes due, since
   * another replica may hold the schedule.
   */
  forget?(accountId: string): void | Promise<void>;
}

export interface CompleteDeps {
  accounts: AccountStore;
  clock: Clock;
  random: Random;
  validator: AccountValidator;
  webhooks: WebhookPort;
  audit: AuditPort;
  scheduler?: TokenScheduler;
  actor: string;
}

export interface ConnectTarget {
  tenant_id: string;
  integration: string;
  environment: string;
  account_id?: string;
}

export type ConnectOutcome =
  | { ok: true; account: LinkedAccount; reconnected: boolean }
  | { ok: false; code: string; reason: string; account?: LinkedAccount };

export function newAccountId(random: Random): string {
  return 'acct_' + random.bytes(12).toString('hex');
}

function successEvent(status: LinkedAccount['status']): AccountEvent | undefined {
  switch (status) {
    case 'connecting':
      return { type: 'validated' };
    case 'needs_reauth':
      return { type: 'reauthorized' };
    case 'post_install_error':
    case 'validation_error':
      return { type: 'retry_succeeded' };
    case 'active':
      return undefined;
  }
}

export async function completeConnection(deps: CompleteDeps, target: ConnectTarget, token: OAuthToken, captured: Record<string, unknown>): Promise<ConnectOutcome> {
  const { accounts, clock } = deps;
  const nowIso = () => new Date(clock.now()).toISOString();
  const auditBase = { actor: deps.actor, tenant_id: target.tenant_id, details: { integration: target.integration, environment: target.environment } };

  let stored: LinkedAccount;
  const reconnect = target.account_id !== undefined;
  if (reconnect) {
    const existing = await accounts.get(target.account_id!);
    if (!existing || existing.tenant_id !== target.tenant_id || existing.integration !== target.integration) {
      await deps.audit.append({ ...auditBase, operation: 'connect', outcome: 'failure', account_id: target.account_id!, details: { ...auditBase.details, reason: 'reconnect target not found' } });
      return { ok: false, code: 'account_not_found', reason: `account '${target.account_id}' does not exist for this tenant and integration` };
    }
    stored = await accounts.update(existing.id, (cur) => ({ ...cur, context: { ...cur.context, ...captured, oauth: { token } } }));
  } else {
    const now = nowIso();
    stored = await accounts.put({
      id: newAccountId(deps.random),
      tenant_id: target.tenant_id,
      integration: target.integration,
      environment: target.environment,
      status: 'connecting',
      authentication_method: 'oauth2',
      context: { ...captured, oauth: { token } },
      created_at: now,
      updated_at: now,
      last_error: null,
      version: 0,
    });
  }
  const operation = reconnect ? 'reconnect' : 'connect';

  const verdict = await deps.validator.validate(stored);
  if (verdict.ok) {
    const previous = stored.status;
    const event = successEvent(previous);
    const final = await accounts.update(stored.id, (cur) => {
      const ev = successEvent(cur.status);
      return { ...cur, status: ev ? transition(cur.status, ev) : cur.status, last_error: null, ...(cur.handed_off ? { handed_off: false } : {}) };
    });
    await deps.scheduler?.tokenStored(final);
    if (previous === 'needs_reauth' && event) await deps.webhooks.reactivated(final);
    await deps.audit.append({ ...auditBase, operation, outcome: 'success', account_id: final.id, details: { ...auditBase.details, from: previous, to: final.status } });
    return { ok: true, account: final, reconnected: reconnect };
  }

  const lastError = { code: verdict.code, message: verdict.reason, at: nowIso() };
  const final = await accounts.update(stored.id, (cur) =>
    cur.status === 'connecting' ? { ...cur, status: transition(cur.status, { type: 'validation_failed', reason: verdict.reason }), last_error: lastError } : { ...cur, last_error: lastError },
  );
  await deps.audit.append({ ...auditBase, operation, outcome: 'failure', account_id: final.id, details: { ...auditBase.details, reason: verdict.reason, status: final.status } });
  return { ok: false, code: verdict.code, reason: verdict.reason, account: final };
}

export function assertOAuthAccount(account: LinkedAccount): void {
  if (account.authentication_method !== 'oauth2') {
    throw new CrmMcpError('invalid_input', `account '${account.id}' uses ${account.authentication_method}; only oauth2 accounts are connected by consent`);
  }
}
