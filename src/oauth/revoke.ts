/** RFC 7009 token revocation: a pure request builder and a pure response processor. */
import type { ClientAuth } from './client-auth.js';
import { formRequest, type OAuthRequest, type OAuthResponse } from './http.js';
import { providerErrorCode } from './token-response.js';

export function buildRevocationRequest(url: string, token: string, hint: 'refresh_token' | 'access_token', auth: ClientAuth | undefined): OAuthRequest {
  return formRequest(url, { token, token_type_hint: hint }, auth);
}

/** `alreadyInvalid` when the provider no longer knew the token (as good as revoked). */
export type RevocationResult = { ok: true; alreadyInvalid?: string } | { ok: false; reason: string };

export function processRevocationResponse(res: OAuthResponse): RevocationResult {
  if (!res.reached) return { ok: false, reason: `revocation endpoint unreachable (${res.host}: ${res.cause})` };
  if (res.status >= 200 && res.status < 300) return { ok: true };
  const body = res.json && typeof res.json === 'object' ? (res.json as Record<string, unknown>) : {};
  const code = providerErrorCode(res.status, body) ?? `http_${res.status}`;
  if (code === 'invalid_token' || code === 'invalid_grant') return { ok: true, alreadyInvalid: code };
  return { ok: false, reason: `revocation refused by the provider: ${code}` };
}
