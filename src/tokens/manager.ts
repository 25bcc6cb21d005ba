/**
 * The token manager: every provider call's access token comes from `getAccessToken`, given the
 * account the caller already loaded — a valid token costs no store read.
 * Concurrency is layered: in-process single-flight per account (every entry point — on-demand,
 * proactive, operator retry — joins the one refresh in flight, so a process never runs two for
 * an account), and a KvStore lock (one refresh per account across processes on Redis). After
 * taking the lock the account is re-read; a token another holder already minted is used instead
 * of refreshing again.
 * A refresh token from the provider is persisted (conditionally on the one we used) before the
 * new access token is handed out; when the store fails, the tokens stay in memory, keep being
 * served, and persistence is retried (persistence.ts) — a refresh token is never dropped.
 * The status changes a refresh makes (a dead grant → needs_reauth, an operator retry → active) go
 * through the lifecycle service (lifecycle.ts) in the same write as the tokens.
 */
import type { LinkedAccount, OAuthToken } from '../accounts/model.js';
import type { AuditInput } from '../audit/log.js';
import type { Deps } from '../core/deps.js';
import { CrmMcpError } from '../core/errors.js';
import { captureContext } from '../oauth/context.js';
import { sendOAuthRequest } from '../oauth/http.js';
import { introspectExpiry } from '../oauth/introspect.js';
import { buildRefreshRequest, processRefreshResponse, type OAuthRefreshConfig, type RefreshFailure } from '../oauth/refresh.js';
import type { TokenSet } from '../oauth/token-response.js';
import type { AccountStore } from '../store/account-store.js';
import type { KvStore } from '../store/kv.js';
import { expiresAtFrom, knownExpiry } from './expiry.js';
import { createExpiryCache } from './introspection-cache.js';
import { applyStatusChange, changeStatus, type LifecycleDeps, type StatusChange } from './lifecycle.js';
import { acquireRefreshLock } from './lock.js';
import { createPendingPersistence } from './persistence.js';
import type { AccessTokenResult, TokenProvider } from './types.js';

export interface TokenManagerOptions {
  deps: Deps;
  store: AccountStore;
  /** Lock and backoff keys; on Redis this is what makes refreshes single across processes. */
  kv: KvStore;
  resolveRefreshConfig(account: LinkedAccount): Promise<OAuthRefreshConfig>;
  /** Lifecycle webhooks (needs_reauth, reactivated) of the status changes a refresh makes. */
  webhooks?: LifecycleDeps['webhooks'];
  audit?: LifecycleDeps['audit'];
  /** Called after a refresh persisted (or is being retried) with the account as now known: schedule the next one. */
  onTokenRefreshed?(account: LinkedAccount): void | Promise<void>;
  /** A transient failure deferred the refresh until `at` (epoch ms): retry then. */
  onRefreshDeferred?(accountId: string, at: number): void | Promise<void>;
  /** Called when an account leaves `active` (drop its schedule). */
  onAccountInactive?(accountId: string): void | Promise<void>;
  expiryBufferMs?: number;
  requestTimeoutMs?: number;
  /** Must exceed requestTimeoutMs. */
  lockTtlMs?: number;
  lockWaitMs?: number;
  /** Jittered transient backoff window. */
  backoffMinMs?: number;
  backoffMaxMs?: number;
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
}

const BACKOFF_PREFIX = 'token-backoff:';

export function createTokenManager(opts: TokenManagerOptions): TokenManager {
  const { clock, random, dispatcher } = opts.deps;
  const log = opts.deps.logger.child({ component: 'token-manager' });
  const buffer = opts.expiryBufferMs ?? 30_000;
  const timeoutMs = opts.requestTimeoutMs ?? 10_000;
  const lockTtl = opts.lockTtlMs ?? Math.max(timeoutMs * 3, 30_000);
  const lockWait = opts.lockWaitMs ?? lockTtl + 5_000;
  const bMin = opts.backoffMinMs ?? 180_000;
  const bMax = opts.backoffMaxMs ?? 300_000;
  const inflight = new Map<string, Promise<AccessTokenResult>>();
  const pending = createPendingPersistence({ clock, logger: log, delaysMs: opts.persistRetryDelaysMs ?? [1_000, 5_000, 15_000, 60_000] });
  const expiries = createExpiryCache({ deps: { ...(dispatcher ? { dispatcher } : {}), logger: log }, store: opts.store, timeoutMs, onStored: (a) => notifyRefreshed(a) });
  const audit = (e: AuditInput) => opts.audit?.append(e).catch((err: unknown) => log.warn('audit append failed', { err }));
  const lifecycle: LifecycleDeps = { accounts: opts.store, clock, logger: log, ...(opts.audit ? { audit: opts.audit } : {}), ...(opts.webhooks ? { webhooks: opts.webhooks } : {}) };

  const tokenOf = (a: LinkedAccount): OAuthToken | undefined => a.context.oauth?.token;

  async function read(id: string): Promise<LinkedAccount> {
    const stored = await opts.store.get(id);
    if (!stored) throw new CrmMcpError('account_not_found', `account ${id} not found`, { details: { account_id: id } });
    return pending.overlay(stored);
  }

  function assertUsable(a: LinkedAccount): void {
    if (a.status !== 'active') {
      throw new CrmMcpError('needs_reauth', `account ${a.id} is ${a.status}; reconnect it`, { details: { account_id: a.id, status: a.status } });
    }
  }

  /** True when the account's token is good for at least `withinMs` more and was not rejected. */
  async function fresh(a: LinkedAccount, cfg: OAuthRefreshConfig | undefined, withinMs: number, rejected?: string): Promise<boolean> {
    const t = tokenOf(a);
    if (!t) return false;
    if (rejected !== undefined && t.access_token === rejected) return false;
    const exp = await expiries.expiryOf(a, cfg);
    if (exp === undefined) return cfg?.expiry.kind === 'expires_in' || cfg === undefined;
    return exp - clock.now() > withinMs;
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

  async function getAccessToken(account: LinkedAccount, o: { forceRefresh?: boolean; rejectedToken?: string } = {}): Promise<AccessTokenResult> {
    const a = pending.overlay(account);
    assertUsable(a);
    if (a.authentication_method !== 'oauth2') return result(a);
    const force = o.forceRefresh === true || o.rejectedToken !== undefined;
    const rejected = o.rejectedToken ?? (o.forceRefresh ? tokenOf(a)?.access_token : undefined);
    if (a.handed_off) {
      if (!force && (await fresh(a, undefined, 0))) return result(a);
      throw new CrmMcpError('needs_reauth', `account ${a.id} was handed off to another system; this instance does not refresh it`, { details: { account_id: a.id, handed_off: true } });
    }
    const cfg = await opts.resolveRefreshConfig(a);
    if (await fresh(a, cfg, buffer, rejected)) return result(a);
    return singleFlight(a.id, () => refreshLocked(a.id, buffer, rejected ?? tokenOf(a)?.access_token, true));
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
  async function refreshLocked(id: string, withinMs: number, seenToken: string | undefined, onDemand: boolean, retryReauth = false): Promise<AccessTokenResult> {
    const usable = async (): Promise<LinkedAccount | undefined> => {
      const cur = await read(id);
      if (retryReauth && cur.status === 'needs_reauth') return undefined;
      assertUsable(cur);
      const cfg = await opts.resolveRefreshConfig(cur);
      const t = tokenOf(cur);
      return t && t.access_token !== seenToken && (await fresh(cur, cfg, withinMs)) ? cur : undefined;
    };
    const already = await usable();
    if (already) return result(already);
    const until = await inBackoff(id);
    if (until !== undefined) {
      throw new CrmMcpError('transient_auth', `token refresh for account ${id} is backing off after a provider failure; retry after ${new Date(until).toISOString()}`, {
        details: { account_id: id, retry_at: new Date(until).toISOString() },
      });
    }
    const lock = await acquireRefreshLock(opts.kv, opts.deps, id, { ttlMs: lockTtl, waitMs: lockWait, onPoll: async () => (await usable()) !== undefined });
    if (lock === 'satisfied') return result((await usable()) ?? (await read(id)));
    if (lock === 'timeout') {
      const cur = await usable();
      if (cur) return result(cur);
      throw new CrmMcpError('transient_auth', `another process is refreshing account ${id}'s token; retry shortly`, { details: { account_id: id, reason: 'lock_timeout' } });
    }
    try {
      const again = await usable();
      if (again) return result(again);
      if (!onDemand && (await inBackoff(id)) !== undefined) return result(await read(id));
      return await doRefresh(await read(id));
    } finally {
      await lock.release();
    }
  }

  async function doRefresh(a: LinkedAccount): Promise<AccessTokenResult> {
    const cfg = await opts.resolveRefreshConfig(a);
    const used = tokenOf(a)?.refresh_token;
    if (!used) return handleFailure(a, cfg, { kind: 'revoked', reason: 'account has no refresh token' }, undefined);
    const res = await sendOAuthRequest(buildRefreshRequest(cfg, used), { ...(dispatcher ? { dispatcher } : {}), timeoutMs: cfg.timeoutMs ?? timeoutMs });
    const now = clock.now();
    const out = processRefreshResponse(cfg, res, now);
    if (!out.ok) return handleFailure(a, cfg, out.failure, used);
    return handleSuccess(a, cfg, out.tokens, used, now);
  }

  async function handleSuccess(a: LinkedAccount, cfg: OAuthRefreshConfig, ts: TokenSet, used: string, now: number): Promise<AccessTokenResult> {
    let exp = expiresAtFrom(now, ts.expires_in, cfg.expiry);
    if (exp === undefined && cfg.expiry.kind === 'introspection') {
      exp = await introspectExpiry(cfg, cfg.expiry.url, ts.access_token, { ...(dispatcher ? { dispatcher } : {}), timeoutMs });
    }
    const token: OAuthToken = {
      ...tokenOf(a),
      access_token: ts.access_token,
      refresh_token: ts.refresh_token ?? used,
      expires_at: exp === undefined ? null : new Date(exp).toISOString(),
      issued_at: new Date(now).toISOString(),
      ...(ts.scope !== undefined ? { scope: ts.scope } : {}),
      ...(ts.token_type !== undefined ? { token_type: ts.token_type } : {}),
    };
    // The host policy of connect applies; a refused value never replaces the context the account has.
    const { context: captured, refused } = captureContext(ts.raw, cfg.captureContext ?? [], cfg.extraAllowedHosts);
    for (const r of refused) log.warn('token response context rejected: host not allowed', { account_id: a.id, field: r.field, reason: r.reason });
    // A successful refresh of a needs_reauth account (retryRefresh) is the `reauthorized` event.
    const change: StatusChange = {
      actor: 'token-manager',
      decide: (cur) =>
        tokenOf(cur)?.refresh_token === used
          ? { ...(cur.status === 'needs_reauth' ? { event: { type: 'reauthorized' } } : {}), fields: { context: { ...cur.context, ...captured, oauth: { token } } } }
          : undefined,
      error: null,
      reason: 'refresh succeeded',
    };
    const write = () => changeStatus(lifecycle, a.id, change);
    await opts.kv.delete(BACKOFF_PREFIX + a.id).catch(() => false);
    let stored: LinkedAccount;
    try {
      const r = await write();
      stored = r.account;
      // Not awaited: delivery retries (minutes) must not hold up the caller.
      void r.delivered;
    } catch (err) {
      const next = applyStatusChange(a, change, now) ?? a;
      log.error('persisting refreshed tokens failed; serving them from memory and retrying', { account_id: a.id, err });
      pending.hold(next, used, write);
      void audit({ operation: 'refresh_success', outcome: 'success', actor: 'token-manager', tenant_id: a.tenant_id, account_id: a.id, details: { persisted: false } });
      await notifyRefreshed(next);
      return result(next);
    }
    if (tokenOf(stored)?.access_token !== token.access_token) {
      // The stored refresh token is no longer the one we used: someone else rotated. Theirs wins.
      log.warn('stored refresh token changed during refresh; using the stored tokens', { account_id: a.id });
      return result(stored);
    }
    pending.settled(a.id);
    const rotated = ts.refresh_token !== undefined && ts.refresh_token !== used;
    log.info('token refreshed', { account_id: a.id, integration: a.integration, rotated, expires_at: token.expires_at });
    void audit({ operation: 'refresh_success', outcome: 'success', actor: 'token-manager', tenant_id: a.tenant_id, account_id: a.id, details: { rotated } });
    await notifyRefreshed(stored);
    return result(stored);
  }

  async function notifyRefreshed(a: LinkedAccount): Promise<void> {
    try {
      await opts.onTokenRefreshed?.(a);
    } catch (err) {
      log.warn('scheduling the next refresh failed', { account_id: a.id, err });
    }
  }

  /** Every failure kind is acted on here, once. */
  async function handleFailure(a: LinkedAccount, cfg: OAuthRefreshConfig, f: RefreshFailure, used: string | undefined): Promise<AccessTokenResult> {
    const base = { actor: 'token-manager', tenant_id: a.tenant_id, account_id: a.id };
    log.warn('token refresh failed', { account_id: a.id, integration: a.integration, kind: f.kind, reason: f.reason });
    void audit({ ...base, operation: 'refresh_failure', outcome: 'failure', details: { kind: f.kind, reason: f.reason } });
    switch (f.kind) {
      case 'revoked': {
        const cur = await read(a.id);
        if (used !== undefined && tokenOf(cur)?.refresh_token !== used && cur.status === 'active') {
          log.info('refresh token was rotated by a sibling; using its tokens', { account_id: a.id });
          return result(cur);
        }
        const r = await changeStatus(lifecycle, a.id, {
          actor: 'token-manager',
          decide: (c) => (c.status === 'active' && (used === undefined || tokenOf(c)?.refresh_token === used) ? { event: { type: 'auth_revoked', reason: f.reason } } : undefined),
          error: { code: 'auth_revoked', message: f.reason },
        });
        if (r.changed) {
          await opts.onAccountInactive?.(a.id);
          // Not awaited: delivery retries (minutes) must not hold up the caller.
          void r.delivered;
        } else if (r.account.status === 'active') {
          return result(r.account);
        }
        throw new CrmMcpError('needs_reauth', `account ${a.id} needs to be reconnected: ${f.reason}`, { details: { account_id: a.id, reason: f.reason } });
      }
      case 'transient':
      case 'rate_limited':
      case 'invalid_response': {
        const jitter = bMin + random.int(0, bMax - bMin + 1);
        const until = clock.now() + Math.max(jitter, f.retryAfterMs ?? 0);
        await opts.kv.set(BACKOFF_PREFIX + a.id, String(until), { ttlMs: until - clock.now() }).catch(() => undefined);
        const t = tokenOf(a);
        const exp = t ? knownExpiry(t, cfg.expiry) : undefined;
        try {
          await opts.onRefreshDeferred?.(a.id, until);
        } catch (err) {
          log.warn('rescheduling after a transient failure failed', { account_id: a.id, err });
        }
        throw new CrmMcpError('transient_auth', `token refresh for account ${a.id} failed transiently (${f.reason}); retry after ${new Date(until).toISOString()}`, {
          details: { account_id: a.id, kind: f.kind, retry_at: new Date(until).toISOString(), token_expires_at: exp === undefined ? null : new Date(exp).toISOString() },
        });
      }
      case 'misconfigured': {
        const client = cfg.clientName ?? `${a.integration} OAuth client`;
        throw new CrmMcpError('oauth_client_misconfigured', `the OAuth client '${client}' for integration ${a.integration} was rejected by the provider (${f.reason}); fix the client credentials`, {
          details: { integration: a.integration, client, reason: f.reason },
        });
      }
      default: {
        const never: never = f.kind;
        throw new Error(`unhandled refresh failure ${String(never)}`);
      }
    }
  }

  return {
    getAccessToken,
    async refreshIfExpiring(accountId, withinMs) {
      const a = await opts.store.get(accountId);
      if (!a || a.status !== 'active' || a.handed_off || a.authentication_method !== 'oauth2') return 'skipped';
      const cfg = await opts.resolveRefreshConfig(a);
      if (await fresh(a, cfg, withinMs)) return 'skipped';
      const before = tokenOf(a)?.access_token;
      const r = await singleFlight(accountId, () => refreshLocked(accountId, withinMs, before, false));
      return r.accessToken !== before ? 'refreshed' : 'skipped';
    },
    async retryRefresh(accountId) {
      const a = await read(accountId);
      if (a.status !== 'needs_reauth') return getAccessToken(a, { forceRefresh: true });
      if (a.handed_off || a.authentication_method !== 'oauth2') assertUsable(a);
      return singleFlight(accountId, () => refreshLocked(accountId, buffer, tokenOf(a)?.access_token, true, true));
    },
  };
}
