/**
 * The one timing rule of token refresh. Everything here is a function of the access token's
 * lifetime L (expires_at − issued_at); when L is unknown (an imported token without issued_at)
 * the long-lifetime rule applies.
 *
 *   proactive lead    U(60 s, 180 s) before expiry when L is long; for a short L the window
 *                     shrinks to U(min(60 s, L/4), min(180 s, L/2)) — a 60 s token is
 *                     refreshed 15–30 s before it expires, never as soon as it is issued
 *   on-demand buffer  min(30 s, L/4): a call refreshes a token expiring within this
 *   floor             L/2 after issue: no refresh (proactive or on demand) of a younger token,
 *                     unless the provider rejected it — so no account refreshes in a loop
 *
 * One refresh holds the account's lock; these are its paired durations (README "Token refresh"):
 *   deadline      10 s   connect + headers + body + introspection of one refresh (AbortSignal).
 *                        A 2xx answer whose body is still arriving is read until hold TTL − lock
 *                        TTL: the provider has already rotated the refresh token it carries.
 *   lock TTL      30 s   = 3 × deadline; what a holder that died before sending its request
 *                        costs the account. While the holder lives a watchdog renews the lock
 *                        every TTL/3 and checks it is still the owner (fencing: a holder that lost
 *                        its lock does not send).
 *   hold TTL      5 min  once the request may have reached the provider, the lock's TTL: the
 *                        refresh token may be consumed, so no one else may refresh with it until
 *                        the holder stored what it got or this long passed without a sign of it
 *                        (a holder cut off from the store longer than this is the limit).
 *   lock wait     35 s   how long another caller waits for the holder before "refresh in progress".
 */
import type { OAuthToken } from '../accounts/model.js';
import type { Random } from '../core/deps.js';

export interface RefreshTiming {
  deadlineMs: number;
  lockTtlMs: number;
  holdTtlMs: number;
  lockWaitMs: number;
}

const DEFAULT_TIMING: RefreshTiming = { deadlineMs: 10_000, lockTtlMs: 30_000, holdTtlMs: 300_000, lockWaitMs: 35_000 };

/** The paired durations, from any given and the rest derived so the pairs hold. */
export function refreshTiming(o: Partial<RefreshTiming>): RefreshTiming {
  const deadlineMs = o.deadlineMs ?? DEFAULT_TIMING.deadlineMs;
  const lockTtlMs = o.lockTtlMs ?? Math.max(deadlineMs * 3, DEFAULT_TIMING.lockTtlMs);
  return {
    deadlineMs,
    lockTtlMs,
    holdTtlMs: Math.max(o.holdTtlMs ?? DEFAULT_TIMING.holdTtlMs, lockTtlMs),
    lockWaitMs: o.lockWaitMs ?? lockTtlMs + 5_000,
  };
}

const LEAD_MIN_MS = 60_000;
const LEAD_MAX_MS = 180_000;
const BUFFER_MS = 30_000;

/** L in ms, or undefined when the token does not say when it was issued or when it expires. */
export function lifetimeOf(token: Pick<OAuthToken, 'issued_at'>, expiresAt: number | undefined): number | undefined {
  if (expiresAt === undefined || !token.issued_at) return undefined;
  const l = expiresAt - Date.parse(token.issued_at);
  return Number.isFinite(l) && l > 0 ? l : undefined;
}

/** The proactive lead window [min, max] in ms before expiry. */
export function leadWindow(lifetimeMs: number | undefined): { minMs: number; maxMs: number } {
  if (lifetimeMs === undefined) return { minMs: LEAD_MIN_MS, maxMs: LEAD_MAX_MS };
  return { minMs: Math.min(LEAD_MIN_MS, lifetimeMs / 4), maxMs: Math.min(LEAD_MAX_MS, lifetimeMs / 2) };
}

/**
 * When the scheduler plans the refresh of a token expiring at `expiresAt`: a uniform draw in the
 * lead window, whose near end is moved `tickMs` out because a claim runs up to one tick late.
 */
export function plannedRefreshAt(expiresAt: number, lifetimeMs: number | undefined, tickMs: number, random: Random): number {
  const w = leadWindow(lifetimeMs);
  const earliest = Math.min(w.maxMs, w.minMs + tickMs);
  return expiresAt - Math.round(earliest + random.int(0, Math.max(0, Math.floor(w.maxMs - earliest)) + 1));
}

export function onDemandBuffer(lifetimeMs: number | undefined): number {
  return lifetimeMs === undefined ? BUFFER_MS : Math.min(BUFFER_MS, lifetimeMs / 4);
}

/** A token younger than this is not refreshed unless the provider rejected it. */
export function refreshFloor(lifetimeMs: number | undefined): number {
  return lifetimeMs === undefined ? 0 : lifetimeMs / 2;
}
