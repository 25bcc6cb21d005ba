/**
 * What a failed refresh does to the account, per failure kind, in one exhaustive switch (habit 3:
 * the classifier in src/oauth returns data; this acts on it):
 *   revoked            → needs_reauth (unless a sibling rotated meanwhile: its tokens are used)
 *   transient, 429,
 *   invalid_response   → a jittered backoff shared across processes; the account stays active
 *   misconfigured      → the OAuth client is at fault, not the account: it stays active and its
 *                        `last_error` says so (the scheduler retries slowly); permanent for the caller
 */
import type { LinkedAccount, OAuthToken } from '../accounts/model.js';
import type { AuditInput } from '../audit/log.js';
import type { Clock, Logger, Random } from '../core/deps.js';
import { CrmMcpError } from '../core/errors.js';
import type { OAuthRefreshConfig, RefreshFailure } from '../oauth/refresh.js';
import type { KvStore } from '../store/kv.js';
import { knownExpiry } from './expiry.js';
import { changeStatus, type LifecycleDeps } from './lifecycle.js';

export const BACKOFF_PREFIX = 'token-backoff:';

export interface FailureDeps {
  clock: Clock;
  random: Random;
  logger: Logger;
  kv: KvStore;
  lifecycle: LifecycleDeps;
  audit(entry: AuditInput): unknown;
  read(id: string): Promise<LinkedAccount>;
  backoffMinMs: number;
  backoffMaxMs: number;
  onRefreshDeferred?(accountId: string, at: number): void | Promise<void>;
  onAccountInactive?(accountId: string): void | Promise<void>;
}

const tokenOf = (a: LinkedAccount): OAuthToken | undefined => a.context.oauth?.token;

/** Records on an active account that its OAuth client is missing or rejected (once per message). */
export async function noteMisconfigured(d: Pick<FailureDeps, 'lifecycle' | 'logger'>, accountId: string, message: string): Promise<void> {
  await changeStatus(d.lifecycle, accountId, {
    actor: 'token-manager',
    decide: (cur) => (cur.status === 'active' && (cur.last_error?.code !== 'oauth_client_misconfigured' || cur.last_error.message !== message) ? {} : undefined),
    error: { code: 'oauth_client_misconfigured', message },
  }).catch((err: unknown) => d.logger.warn('recording the OAuth client problem on the account failed', { account_id: accountId, err }));
}

/** Acts on `f` and returns the account to serve (a sibling's tokens) or throws the caller's error. */
export async function handleRefreshFailure(d: FailureDeps, a: LinkedAccount, cfg: OAuthRefreshConfig, f: RefreshFailure, used: string | undefined): Promise<LinkedAccount> {
  const base = { actor: 'token-manager', tenant_id: a.tenant_id, account_id: a.id };
  d.logger.warn('token refresh failed', { account_id: a.id, integration: a.integration, kind: f.kind, reason: f.reason });
  void d.audit({ ...base, operation: 'refresh_failure', outcome: 'failure', details: { kind: f.kind, reason: f.reason } });
  switch (f.kind) {
    case 'revoked': {
      const cur = await d.read(a.id);
      if (used !== undefined && tokenOf(cur)?.refresh_token !== used && cur.status === 'active') {
        d.logger.info('refresh token was rotated by a sibling; using its tokens', { account_id: a.id });
        return cur;
      }
      const r = await changeStatus(d.lifecycle, a.id, {
        actor: 'token-manager',
        decide: (c) => (c.status === 'active' && (used === undefined || tokenOf(c)?.refresh_token === used) ? { event: { type: 'auth_revoked', reason: f.reason } } : undefined),
        error: { code: 'auth_revoked', message: f.reason },
      });
      if (r.changed) {
        await d.onAccountInactive?.(a.id);
        // Not awaited: delivery retries (minutes) must not hold up the caller.
        void r.delivered;
      } else if (r.account.status === 'active') {
        return r.account;
      }
      throw new CrmMcpError('needs_reauth', `account ${a.id} needs to be reconnected: ${f.reason}`, { details: { account_id: a.id, reason: f.reason } });
    }
    case 'transient':
    case 'rate_limited':
    case 'invalid_response': {
      const jitter = d.backoffMinMs + d.random.int(0, d.backoffMaxMs - d.backoffMinMs + 1);
      const until = d.clock.now() + Math.max(jitter, f.retryAfterMs ?? 0);
      await d.kv.set(BACKOFF_PREFIX + a.id, String(until), { ttlMs: until - d.clock.now() }).catch(() => undefined);
      const t = tokenOf(a);
      const exp = t ? knownExpiry(t, cfg.expiry) : undefined;
      try {
        await d.onRefreshDeferred?.(a.id, until);
      } catch (err) {
        d.logger.warn('rescheduling after a transient failure failed', { account_id: a.id, err });
      }
      throw new CrmMcpError('transient_auth', `token refresh for account ${a.id} failed transiently (${f.reason}); retry after ${new Date(until).toISOString()}`, {
        details: { account_id: a.id, kind: f.kind, retry_at: new Date(until).toISOString(), token_expires_at: exp === undefined ? null : new Date(exp).toISOString() },
      });
    }
    case 'misconfigured': {
      const client = cfg.clientName ?? `${a.integration} OAuth client`;
      const message = `the OAuth client '${client}' for integration ${a.integration} was rejected by the provider (${f.reason}); fix the client credentials in the configuration`;
      await noteMisconfigured(d, a.id, message);
      throw new CrmMcpError('oauth_client_misconfigured', message, { details: { integration: a.integration, client, reason: f.reason } });
    }
    default: {
      const never: never = f.kind;
      throw new Error(`unhandled refresh failure ${String(never)}`);
    }
  }
}
