/**
 * The token manager: every provider call's access token comes from `getAccessToken`, given the
 * account the caller already loaded — a valid token costs no store read and no OAuth client (the
 * client is resolved only to refresh, or to introspect a token whose expiry nothing else tells).
 * Concurrency is layered: in-process single-flight per account (on-demand, proactive and operator
 * refreshes join the one in flight), and a KvStore lock across processes. After taking the lock
 * the account is re-read; a token another holder already minted is used instead of refreshing.
 *
 * The invariant (issue 11): tokens the provider returned are stored before the refresh lock is
 * released and before anyone uses the new access token.
 *   - The lock is renewed by a watchdog and, once the request may have reached the provider, lives
 *     the hold TTL past this process's last renewal (lock.ts, timing.ts): no one refreshes with a
 *     refresh token the provider may have consumed while its successor is unstored.
 *   - The write is conditional on the stored refresh token being the one used *and* on the
 *     account's status version (status + status_changed_at) being the one the refresh began from:
 *     a late writer never overwrites a newer rotation nor revives an account that went to
 *     `needs_reauth` meanwhile (such tokens are discarded, loudly).
 *   - When the store refuses the write the tokens are held (persistence.ts) with the lock, retried,
 *     and not served: callers get transient_auth "refresh in progress". A held refresh token is the
 *     newest this process knows; no refresh starts for the account until it is stored.
 * Timing (lead, buffer, floor, deadline, lock TTLs) is one rule: timing.ts.
 */
import type { LinkedAccount, OAuthToken } from '../accounts/model.js';
import type { AuditInput } from '../audit/log.js';
import type { Deps } from '../core/deps.js';
import { CrmMcpError, isCrmMcpError } from '../core/errors.js';
import { captureContext } from '../oauth/context.js';
import type { ExpirySource, OAuthRefreshConfig } from '../oauth/refresh.js';
import type { AccountStore } from '../store/account-store.js';
import type { KvStore } from '../store/kv.js';
import { knownExpiry } from './expiry.js';
import { BACKOFF_PREFIX, handleRefreshFailure, noteMisconfigured, type FailureDeps } from './failures.js';
import { createExpiryCache } from './introspection-cache.js';
import { changeStatus, type LifecycleDeps, type StatusChange } from './lifecycle.js';
import { acquireRefreshLock, type HeldLock } from './lock.js';
import { createPendingPersistence, type WriteOutcome } from './persistence.js';
import { callRefresh } from './refresh-call.js';
import { lifetimeOf, onDemandBuffer, refreshFloor, refreshTiming } from './timing.js';
import type { AccessTokenResult, TokenProvider } from './types.js';

export interface TokenManagerOptions {
  deps: Deps;
  store: AccountStore;
  /** Lock and backoff keys; on Redis this is what makes refreshes single across processes. */
  kv: KvStore;
  /** The refresh config, OAuth client included: resolved only when a refresh (or an introspection) needs it. */
  resolveRefreshConfig(account: LinkedAccount): Promise<OAuthRefreshConfig>;
  /** How the account's tokens tell their expiry (its definition's rule), read without the OAuth client. */
  expirySource?(account: LinkedAccount): ExpirySource;
  /** Lifecycle webhooks (needs_reauth, reactivated) of the status changes a refresh makes. */
  webhooks?: LifecycleDeps['webhooks'];
  audit?: LifecycleDeps['audit'];
  /** Called after a refresh stored its tokens, with the account as stored: schedule the next one. */
  onTokenRefreshed?(account: LinkedAccount): void | Promise<void>;
  /** A transient failure deferred the refresh until `at` (epoch ms): retry then. */
  onRefreshDeferred?(accountId: string, at: number): void | Promise<void>;
  /** Called when an account leaves `active` (drop its schedule). */
  onAccountInactive?(accountId: string): void | Promise<void>;
  /** A fixed on-demand buffer instead of timing.ts's min(30 s, L/4). */
  expiryBufferMs?: number;
  /** The refresh deadline; the lock durations below default from it (timing.ts). */
  requestTimeoutMs?: number;
  lockTtlMs?: number;
  holdTtlMs?: number;
  lockWaitMs?: number;
  /** Jittered transient backoff window. */
  backoffMinMs?: number;
  backoffMaxMs?: number;
  /** Delays between attempts to store refreshed tokens the store refused. */
  persistRetryDelaysMs?: number[];
}

export interface TokenManager extends TokenProvider {
  /** Proactive refresh (scheduler): refreshes when the token expires within `withinMs`; no-op otherwise. */
  refreshIfExpiring(accountId: string, withinMs: number): Promise<'refreshed' | 'skipped'>;
  /**
   * A refresh attempted even when the account is `needs_reauth` (operator retry, e.g. after the
   * provider restored access or answered invalid_grant spuriously). Success moves it back to
   * `active` with one `reactivated` webhook; failing again while already `needs_reauth` changes
   * nothing and sends nothing. Same single-flight, lock and backoff as every refresh.
   */
  retryRefresh(accountId: string): Promise<AccessTokenResult>;
  /**
   * Shutdown: waits up to `timeoutMs` for refreshed tokens the store has not taken yet; each it
   * could not store is logged as an error naming the account.
   */
  flush(timeoutMs?: number): Promise<{ stored: string[]; unstored: string[] }>;
}

/** How fresh a token must be: a duration, or the on-demand buffer of its lifetime. */
type Need = number | 'on_demand';
type Mode = 'on_demand' | 'proactive' | 'retry';

const tokenOf = (a: LinkedAccount): OAuthToken | undefined => a.context.oauth?.token;

export function createTokenManager(opts: TokenManagerOptions): TokenManager {
  const { clock, dispatcher } = opts.deps;
  const log = opts.deps.logger.child({ component: 'token-manager' });
  const timing = refreshTiming({
    ...(opts.requestTimeoutMs !== undefined ? { deadlineMs: opts.requestTimeoutMs } : {}),
    ...(opts.lockTtlMs !== undefined ? { lockTtlMs: opts.lockTtlMs } : {}),
    ...(opts.holdTtlMs !== undefined ? { holdTtlMs: opts.holdTtlMs } : {}),
    ...(opts.lockWaitMs !== undefined ? { lockWaitMs: opts.lockWaitMs } : {}),
  });
  const inflight = new Map<string, Promise<AccessTokenResult>>();
  const pending = createPendingPersistence({ clock, logger: log, delaysMs: opts.persistRetryDelaysMs ?? [250, 1_000, 2_000, 5_000] });
  const expiries = createExpiryCache({ deps: { ...(dispatcher ? { dispatcher } : {}), logger: log }, store: opts.store, timeoutMs: timing.deadlineMs, onStored: (a) => notifyRefreshed(a) });
  const audit = (e: AuditInput) => opts.audit?.append(e).catch((err: unknown) => log.warn('audit append failed', { err }));
  const lifecycle: LifecycleDeps = { accounts: opts.store, clock, logger: log, ...(opts.audit ? { audit: opts.audit } : {}), ...(opts.webhooks ? { webhooks: opts.webhooks } : {}) };

  async function read(id: string): Promise<LinkedAccount> {
    const stored = await opts.store.get(id);
    if (!stored) throw new CrmMcpError('account_not_found', `account ${id} not found`, { details: { account_id: id } });
    return stored;
  }

  const failures: FailureDeps = {
    ...opts.deps,
    logger: log,
    kv: opts.kv,
    lifecycle,
    audit,
    read,
    backoffMinMs: opts.backoffMinMs ?? 180_000,
    backoffMaxMs: opts.backoffMaxMs ?? 300_000,
    ...(opts.onRefreshDeferred ? { onRefreshDeferred: opts.onRefreshDeferred } : {}),
    ...(opts.onAccountInactive ? { onAccountInactive: opts.onAccountInactive } : {}),
  };

  function assertUsable(a: LinkedAccount): void {
    if (a.status !== 'active') {
      throw new CrmMcpError('needs_reauth', `account ${a.id} is ${a.status}; reconnect it`, { details: { account_id: a.id, status: a.status } });
    }
  }

  const inProgress = (id: string, reason: 'lock_timeout' | 'lock_lost' | 'persist_pending', why: string) =>
    new CrmMcpError('transient_auth', `token refresh for account ${id} is in progress (${why}); retry shortly`, { details: { account_id: id, reason } });

  const sourceOf = async (a: LinkedAccount): Promise<ExpirySource> => opts.expirySource?.(a) ?? (await opts.resolveRefreshConfig(a)).expiry;

  /** Epoch ms the token expires, and whether an unknown expiry counts as fresh (nothing can tell: the provider's 401 will). */
  async function expiryOf(a: LinkedAccount, t: OAuthToken): Promise<{ exp: number | undefined; unknownIsFresh: boolean }> {
    if (t.expires_at) return { exp: Date.parse(t.expires_at), unknownIsFresh: false };
    const src = await sourceOf(a);
    if (src.kind === 'fixed') return { exp: knownExpiry(t, src), unknownIsFresh: false };
    if (src.kind === 'introspection') return { exp: await expiries.expiryOf(a, await opts.resolveRefreshConfig(a)), unknownIsFresh: false };
    return { exp: undefined, unknownIsFresh: true };
  }

  /** True when the account's token is fresh enough for `need` and was not rejected (timing.ts: buffer and floor). */
  async function fresh(a: LinkedAccount, need: Need, rejected?: string): Promise<boolean> {
    const t = tokenOf(a);
    if (!t) return false;
    if (rejected !== undefined && t.access_token === rejected) return false;
    const { exp, unknownIsFresh } = await expiryOf(a, t);
    if (exp === undefined) return unknownIsFresh;
    const L = lifetimeOf(t, exp);
    const now = clock.now();
    if (t.issued_at && now - Date.parse(t.issued_at) < refreshFloor(L)) return true;
    const within = need === 'on_demand' ? (opts.expiryBufferMs ?? onDemandBuffer(L)) : need;
    return exp - now > within;
  }

  const result = (a: LinkedAccount): AccessTokenResult => {
    const t = tokenOf(a);
    if (!t) throw new CrmMcpError('needs_reauth', `account ${a.id} has no OAuth token; reconnect it`, { details: { account_id: a.id } });
    return { accessToken: t.access_token, account: a };
  };

  async function inBackoff(id: string): Promise<number | undefined> {
    const v = await opts.kv.get(BACKOFF_PREFIX + id);
    const until = v === undefined ? NaN : Number(v);
    return Number.isFinite(until) && until > clock.now() ? until : undefined;
  }

  /** The account once this process's held tokens are stored (one attempt now), else "refresh in progress". */
  async function afterPending(id: string): Promise<LinkedAccount> {
    const r = await pending.attempt(id);
    if (r === undefined) throw inProgress(id, 'persist_pending', 'its refreshed tokens are not stored yet: the store refuses the write');
    return r === 'superseded' ? read(id) : r;
  }

  async function getAccessToken(account: LinkedAccount, o: { forceRefresh?: boolean; rejectedToken?: string } = {}): Promise<AccessTokenResult> {
    let a = account;
    assertUsable(a);
    if (a.authentication_method !== 'oauth2') return result(a);
    const force = o.forceRefresh === true || o.rejectedToken !== undefined;
    const rejected = o.rejectedToken ?? (o.forceRefresh ? tokenOf(a)?.access_token : undefined);
    if (a.handed_off) {
      if (!force && (await fresh(a, 0))) return result(a);
      throw new CrmMcpError('needs_reauth', `account ${a.id} was handed off to another system; this instance does not refresh it`, { details: { account_id: a.id, handed_off: true } });
    }
    if (pending.has(a.id)) {
      a = await afterPending(a.id);
      assertUsable(a);
    }
    if (await fresh(a, 'on_demand', rejected)) return result(a);
    const r = await singleFlight(a.id, () => refreshLocked(a.id, 'on_demand', rejected ?? tokenOf(a)?.access_token, 'on_demand'));
    return r.accessToken !== tokenOf(account)?.access_token ? { ...r, refreshed: true } : r;
  }

  /** The only way into refreshLocked: one refresh per account in this process at a time. */
  function singleFlight(id: string, fn: () => Promise<AccessTokenResult>): Promise<AccessTokenResult> {
    const existing = inflight.get(id);
    if (existing) return existing;
    const p = fn().finally(() => inflight.delete(id));
    inflight.set(id, p);
    return p;
  }

  /**
   * `seenToken` is the access token the caller found unusable; once the account holds a
   * different, fresh one, somebody else refreshed and that token is used.
   */
  async function refreshLocked(id: string, need: Need, seenToken: string | undefined, mode: Mode): Promise<AccessTokenResult> {
    const usable = async (): Promise<LinkedAccount | undefined> => {
      const cur = await read(id);
      if (mode === 'retry' && cur.status === 'needs_reauth') return undefined;
      assertUsable(cur);
      const t = tokenOf(cur);
      return t && t.access_token !== seenToken && (await fresh(cur, need)) ? cur : undefined;
    };
    const already = await usable();
    if (already) return result(already);
    const until = await inBackoff(id);
    if (until !== undefined) {
      throw new CrmMcpError('transient_auth', `token refresh for account ${id} is backing off after a provider failure; retry after ${new Date(until).toISOString()}`, {
        details: { account_id: id, retry_at: new Date(until).toISOString() },
      });
    }
    const lock = await acquireRefreshLock(opts.kv, { ...opts.deps, logger: log }, id, {
      ttlMs: timing.lockTtlMs,
      holdTtlMs: timing.holdTtlMs,
      waitMs: timing.lockWaitMs,
      onPoll: async () => (await usable()) !== undefined,
    });
    if (lock === 'satisfied') return result((await usable()) ?? (await read(id)));
    if (lock === 'timeout') {
      const cur = await usable();
      if (cur) return result(cur);
      throw inProgress(id, 'lock_timeout', 'another process holds its refresh lock');
    }
    let handedOver = false;
    try {
      const again = await usable();
      if (again) return result(again);
      if (mode === 'proactive' && (await inBackoff(id)) !== undefined) return result(await read(id));
      return await refreshHeld(await read(id), lock, () => (handedOver = true));
    } finally {
      if (!handedOver) await lock.release();
    }
  }

  /** The refresh itself, under `lock`; `handOver` passes the lock to the pending persistence. */
  async function refreshHeld(a: LinkedAccount, lock: HeldLock, handOver: () => void): Promise<AccessTokenResult> {
    let cfg: OAuthRefreshConfig;
    try {
      cfg = await opts.resolveRefreshConfig(a);
    } catch (err) {
      if (isCrmMcpError(err, 'oauth_client_misconfigured')) await noteMisconfigured(failures, a.id, err.message);
      throw err;
    }
    const used = tokenOf(a)?.refresh_token;
    if (!used) return result(await handleRefreshFailure(failures, a, cfg, { kind: 'revoked', reason: 'account has no refresh token' }, undefined));
    // From here the provider may consume `used`: the lock must outlive this process (fencing: not if it is no longer ours).
    if (!(await lock.hold())) throw inProgress(a.id, 'lock_lost', 'the refresh lock was lost before the request');
    const out = await callRefresh(cfg, used, { ...(dispatcher ? { dispatcher } : {}), deadlineMs: cfg.timeoutMs ?? timing.deadlineMs, answerGraceMs: timing.holdTtlMs - timing.lockTtlMs, now: () => clock.now() });
    if (!out.ok) return result(await handleRefreshFailure(failures, a, cfg, out.failure, used));

    const now = clock.now();
    const ts = out.tokens;
    const token: OAuthToken = {
      ...tokenOf(a),
      access_token: ts.access_token,
      refresh_token: ts.refresh_token ?? used,
      expires_at: out.expiresAt === undefined ? null : new Date(out.expiresAt).toISOString(),
      issued_at: new Date(now).toISOString(),
      ...(ts.scope !== undefined ? { scope: ts.scope } : {}),
      ...(ts.token_type !== undefined ? { token_type: ts.token_type } : {}),
    };
    // The host policy of connect applies; a refused value never replaces the context the account has.
    const { context: captured, refused } = captureContext(ts.raw, cfg.captureContext ?? [], cfg.extraAllowedHosts);
    for (const r of refused) log.warn('token response context rejected: host not allowed', { account_id: a.id, field: r.field, reason: r.reason });
    const since = a.status_changed_at ?? null;
    const change: StatusChange = {
      actor: 'token-manager',
      // Written only onto the state the refresh began from. A successful retryRefresh of a needs_reauth account is the `reauthorized` event.
      decide: (cur) =>
        tokenOf(cur)?.refresh_token === used && cur.status === a.status && (cur.status_changed_at ?? null) === since
          ? { ...(cur.status === 'needs_reauth' ? { event: { type: 'reauthorized' } } : {}), fields: { context: { ...cur.context, ...captured, oauth: { token } } } }
          : undefined,
      error: null,
      reason: 'refresh succeeded',
    };
    const rotated = ts.refresh_token !== undefined && ts.refresh_token !== used;
    const write = async (): Promise<WriteOutcome> => {
      const r = await changeStatus(lifecycle, a.id, change);
      if (tokenOf(r.account)?.access_token !== token.access_token) return 'superseded';
      // Not awaited: delivery retries (minutes) must not hold up the caller.
      void r.delivered;
      return { stored: r.account };
    };
    const onStored = async (stored: LinkedAccount) => {
      await opts.kv.delete(BACKOFF_PREFIX + a.id).catch(() => false);
      log.info('token refreshed', { account_id: a.id, integration: a.integration, rotated, expires_at: token.expires_at });
      void audit({ operation: 'refresh_success', outcome: 'success', actor: 'token-manager', tenant_id: a.tenant_id, account_id: a.id, details: { rotated } });
      await notifyRefreshed(stored);
    };
    let outcome: WriteOutcome;
    try {
      outcome = await write();
    } catch (err) {
      log.error('storing refreshed tokens failed: holding them, unserved, with the refresh lock until the store takes them', { account_id: a.id, err });
      handOver();
      pending.hold(a.id, { write, lock, onStored });
      throw inProgress(a.id, 'persist_pending', 'its refreshed tokens are not stored yet: the store refused the write');
    }
    if (outcome === 'superseded') {
      log.error('refreshed tokens discarded: the account changed during the refresh (another rotation, a reconnect or a status change won)', { account_id: a.id });
      const cur = await read(a.id);
      assertUsable(cur);
      if (await fresh(cur, 0)) return result(cur);
      throw inProgress(a.id, 'lock_lost', 'the account changed during the refresh');
    }
    await onStored(outcome.stored);
    return result(outcome.stored);
  }

  async function notifyRefreshed(a: LinkedAccount): Promise<void> {
    try {
      await opts.onTokenRefreshed?.(a);
    } catch (err) {
      log.warn('scheduling the next refresh failed', { account_id: a.id, err });
    }
  }

  return {
    getAccessToken,
    async refreshIfExpiring(accountId, withinMs) {
      let a = await opts.store.get(accountId);
      if (a && pending.has(accountId)) {
        if ((await pending.attempt(accountId)) === undefined) return 'skipped';
        a = await opts.store.get(accountId);
      }
      if (!a || a.status !== 'active' || a.handed_off || a.authentication_method !== 'oauth2') return 'skipped';
      if (await fresh(a, withinMs)) return 'skipped';
      const before = tokenOf(a)?.access_token;
      const r = await singleFlight(accountId, () => refreshLocked(accountId, withinMs, before, 'proactive'));
      return r.accessToken !== before ? 'refreshed' : 'skipped';
    },
    async retryRefresh(accountId) {
      let a = await read(accountId);
      if (pending.has(accountId)) a = await afterPending(accountId);
      if (a.status !== 'needs_reauth') return getAccessToken(a, { forceRefresh: true });
      if (a.handed_off || a.authentication_method !== 'oauth2') assertUsable(a);
      return singleFlight(accountId, () => refreshLocked(accountId, 'on_demand', tokenOf(a)?.access_token, 'retry'));
    },
    flush: (timeoutMs = 10_000) => pending.flush(timeoutMs),
  };
}
