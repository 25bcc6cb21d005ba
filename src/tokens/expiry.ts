/** When a stored token expires, from what the account and its refresh config know. Pure. */
import type { OAuthToken } from '../accounts/model.js';
import type { ExpirySource } from '../oauth/refresh.js';

/** Epoch ms, or undefined when unknown (and not derivable without a network call). */
export function knownExpiry(token: OAuthToken, expiry: ExpirySource | undefined): number | undefined {
  if (token.expires_at) return Date.parse(token.expires_at);
  if (expiry?.kind === 'fixed' && token.issued_at) return Date.parse(token.issued_at) + expiry.seconds * 1000;
  return undefined;
}

export function expiresAtFrom(now: number, expiresIn: number | undefined, expiry: ExpirySource): number | undefined {
  if (expiresIn !== undefined) return now + expiresIn * 1000;
  if (expiry.kind === 'fixed') return now + expiry.seconds * 1000;
  return undefined;
}
