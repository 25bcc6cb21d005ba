/**
 * authorization_code grant: a pure request builder and a pure response processor (token set +
 * context captured under the host policy, or a refusal whose reason is safe to show).
 */
import type { OAuthToken } from '../accounts/model.js';
import type { TokenErrorHints } from '../integrations/schema.js';
import { clientAuth, type ClientAuthMethod, type ClientCredentials } from './client-auth.js';
import { captureContext, type ContextCapture } from './context.js';
import { formRequest, type OAuthRequest, type OAuthResponse } from './http.js';
import { processTokenResponse } from './token-response.js';

/** What the code exchange needs of an integration (src/connect/spec.ts OAuthConnectSpec has it). */
export interface CodeExchangeEndpoint {
  integration: string;
  tokenUrl: string;
  clientAuth: ClientAuthMethod;
  contextCapture: ContextCapture[];
  /** Lifetime when the response has no `expires_in`. */
  fixedLifetimeSeconds?: number;
  /** Deployment-level extra allowed hosts (test/dev only; also permit http). */
  extraAllowedHosts?: string[];
  tokenErrors?: TokenErrorHints;
}

export function buildCodeExchangeRequest(ep: CodeExchangeEndpoint, client: ClientCredentials, p: { code: string; redirectUri: string; codeVerifier?: string }): OAuthRequest {
  const params: Record<string, string> = { grant_type: 'authorization_code', code: p.code, redirect_uri: p.redirectUri };
  if (p.codeVerifier) params.code_verifier = p.codeVerifier;
  return formRequest(ep.tokenUrl, params, clientAuth(ep.clientAuth, client));
}

export type CodeExchangeResult =
  | { ok: true; token: OAuthToken; context: Record<string, unknown> }
  /** `reason` is safe to show: the provider's error code and description, never a credential. */
  | { ok: false; code: string; reason: string };

export function processCodeExchangeResponse(ep: CodeExchangeEndpoint, res: OAuthResponse, now: number): CodeExchangeResult {
  const out = processTokenResponse(res, { now, ...(ep.tokenErrors ? { errors: ep.tokenErrors } : {}) });
  if (!out.ok) {
    const f = out.failure;
    if (f.unreachable) return { ok: false, code: 'provider_unavailable', reason: `${ep.integration} token endpoint unreachable (${f.unreachable.host})` };
    if (!f.code && f.status >= 200 && f.status < 300) return { ok: false, code: 'invalid_token_response', reason: `${ep.integration} token response has no access_token` };
    const code = f.code ?? `http_${f.status}`;
    return { ok: false, code, reason: `${ep.integration} token endpoint refused the code: ${code}${f.description ? ` (${f.description})` : ''}` };
  }
  const ts = out.tokens;
  const captured = captureContext(ts.raw, ep.contextCapture, ep.extraAllowedHosts);
  if (captured.missing.length > 0) return { ok: false, code: 'context_missing', reason: `${ep.integration} token response has no ${captured.missing[0]}` };
  if (captured.refused.length > 0) {
    return { ok: false, code: 'host_not_allowed', reason: `${ep.integration} returned a ${captured.refused[0]!.field} outside the allowed hosts; the connection was refused` };
  }
  const issuedMs = ts.issued_at_ms ?? now;
  const expiresIn = ts.expires_in ?? ep.fixedLifetimeSeconds;
  const token: OAuthToken = {
    access_token: ts.access_token,
    ...(ts.refresh_token ? { refresh_token: ts.refresh_token } : {}),
    expires_at: expiresIn !== undefined ? new Date(issuedMs + expiresIn * 1000).toISOString() : null,
    ...(ts.scope ? { scope: ts.scope } : {}),
    ...(ts.token_type ? { token_type: ts.token_type } : {}),
    issued_at: new Date(issuedMs).toISOString(),
  };
  return { ok: true, token, context: captured.context };
}
