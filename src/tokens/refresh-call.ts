/**
 * One refresh_token grant on the wire, within the refresh's total deadline (timing.ts): the
 * request, the classified answer, and the new token's expiry (introspected, under the same
 * deadline, when the grant does not say). A 2xx answer still arriving at the deadline is read
 * until `answerGraceMs`: the provider has rotated the refresh token it carries.
 */
import type { Dispatcher } from 'undici';
import { sendOAuthRequest } from '../oauth/http.js';
import { introspectExpiry } from '../oauth/introspect.js';
import { buildRefreshRequest, processRefreshResponse, type OAuthRefreshConfig, type RefreshFailure } from '../oauth/refresh.js';
import type { TokenSet } from '../oauth/token-response.js';
import { expiresAtFrom } from './expiry.js';

export type RefreshCallResult = { ok: true; tokens: TokenSet; expiresAt: number | undefined } | { ok: false; failure: RefreshFailure };

export interface RefreshCallOptions {
  dispatcher?: Dispatcher;
  deadlineMs: number;
  answerGraceMs: number;
  /** The time the answer is dated with (the injected clock). */
  now(): number;
}

export async function callRefresh(cfg: OAuthRefreshConfig, refreshToken: string, o: RefreshCallOptions): Promise<RefreshCallResult> {
  const deadline = AbortSignal.timeout(o.deadlineMs);
  const via = o.dispatcher ? { dispatcher: o.dispatcher } : {};
  const res = await sendOAuthRequest(buildRefreshRequest(cfg, refreshToken), { ...via, timeoutMs: o.deadlineMs, answerGraceMs: o.answerGraceMs });
  const at = o.now();
  const out = processRefreshResponse(cfg, res, at);
  if (!out.ok) return out;
  let expiresAt = expiresAtFrom(at, out.tokens.expires_in, cfg.expiry);
  if (expiresAt === undefined && cfg.expiry.kind === 'introspection' && !deadline.aborted) {
    // Unknown after a failed introspection: the token is stored anyway and its expiry learned later.
    expiresAt = await introspectExpiry(cfg, cfg.expiry.url, out.tokens.access_token, { ...via, timeoutMs: o.deadlineMs, signal: deadline });
  }
  return { ok: true, tokens: out.tokens, expiresAt };
}
