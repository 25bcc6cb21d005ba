/**
 * After a successful code exchange: store the account (new: `connecting`; reconnect: same id,
 * same status, fresh tokens; then the replaced tokens are revoked when the integration can revoke,
 * so the superseded grant dies with its replacement safely stored — a failed revocation is
 * audited and logged, never undoes the reconnect), make one lightweight call with the new token, then send the
 * lifecycle event through the lifecycle service (src/tokens/lifecycle.ts: status, last_error, the
 * audit entry, a `reactivated` webhook for a reconnected needs_reauth account). Every outcome is
 * audited; nothing here ever logs or returns a token.
 */
import type { LinkedAccount, OAuthToken } from '../accounts/model.js';
import type { AccountEvent } from '../accounts/state-machine.js';
import type { Clock, Logger, Random } from '../core/deps.js';
import type { AccountStore } from '../store/account-store.js';
import { changeStatus } from '../tokens/lifecycle.js';
import type { AccountValidator } from '../accounts/validation.js';
import type { AuditPort } from '../audit/log.js';
import type { TokenScheduler } from '../tokens/scheduler.js';
import type { RevokeOutcome } from './runtime.js';
import type { LifecycleWebhooks } from '../webhooks/sender.js';

export interface CompleteDeps {
  accounts: AccountStore;
  clock: Clock;
  random: Random;
  logger: Logger;
  validator: AccountValidator;
  webhooks: LifecycleWebhooks;
  audit: AuditPort;
  scheduler?: TokenScheduler;
  actor: string;
  /** Revokes the tokens of `replaced` at the provider (absent: the integration cannot revoke). */
  revokeReplaced?: (replaced: LinkedAccount) => Promise<RevokeOutcome>;
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
    let replaced: OAuthToken | undefined;
    stored = await accounts.update(existing.id, (cur) => {
      replaced = cur.context.oauth?.token;
      return { ...cur, context: { ...cur.context, ...captured, oauth: { token } } };
    });
    if (replaced) await revokeReplaced(deps, stored, replaced, token, auditBase);
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
  const lifecycle = { accounts, clock, logger: deps.logger, audit: deps.audit, webhooks: deps.webhooks };
  if (verdict.ok) {
    const r = await changeStatus(lifecycle, stored.id, {
      actor: deps.actor,
      decide: (cur) => ({ event: successEvent(cur.status), ...(cur.handed_off ? { fields: { handed_off: false } } : {}) }),
      error: null,
      audit: { operation, outcome: 'success', details: () => auditBase.details },
    });
    await deps.scheduler?.tokenStored(r.account);
    await r.delivered;
    return { ok: true, account: r.account, reconnected: reconnect };
  }

  const r = await changeStatus(lifecycle, stored.id, {
    actor: deps.actor,
    decide: (cur) => ({ event: cur.status === 'connecting' ? { type: 'validation_failed', reason: verdict.reason } : undefined }),
    error: { code: verdict.code, message: verdict.reason },
    audit: { operation, outcome: 'failure', details: (a) => ({ ...auditBase.details, reason: verdict.reason, status: a.status }) },
  });
  return { ok: false, code: verdict.code, reason: verdict.reason, account: r.account };
}

/**
 * Revokes the tokens a reconnect replaced; audited either way. When the provider handed back the
 * same refresh token (the same grant), nothing is revoked: that would revoke the new grant too.
 */
async function revokeReplaced(
  deps: CompleteDeps,
  account: LinkedAccount,
  replaced: OAuthToken,
  current: OAuthToken,
  auditBase: { actor: string; tenant_id: string; details: Record<string, unknown> },
): Promise<void> {
  if (!deps.revokeReplaced) return;
  if (replaced.refresh_token !== undefined && replaced.refresh_token === current.refresh_token) return;
  if (replaced.access_token === current.access_token) return;
  let outcome: RevokeOutcome;
  try {
    outcome = await deps.revokeReplaced({ ...account, context: { oauth: { token: replaced } } });
  } catch (err) {
    outcome = { attempted: true, ok: false, reason: (err as Error).message };
  }
  if (!outcome.attempted) return;
  if (!outcome.ok) deps.logger.warn('revoking the replaced grant failed', { account_id: account.id, reason: outcome.reason });
  await deps.audit.append({
    ...auditBase,
    operation: 'revoke_replaced',
    outcome: outcome.ok ? 'success' : 'failure',
    account_id: account.id,
    details: { ...auditBase.details, ...(outcome.reason ? { reason: outcome.reason } : {}) },
  });
}
