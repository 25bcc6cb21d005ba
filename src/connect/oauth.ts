/**
 * Authorization-code flow, split oauth4webapi-style: pure builders for the authorize URL and the
 * token request, a pure processor for the token response, and one small sender. Errors never
 * echo a token or the client secret.
 */
import { request, type Dispatcher } from 'undici';
import type { OAuthToken } from '../accounts/model.js';
import { CrmMcpError } from '../core/errors.js';
import type { ResolvedOAuthClient } from '../oauth-clients/resolve.js';
import { allowedUrl, type OAuthConnectSpec } from './spec.js';

export function buildAuthorizeUrl(
  spec: OAuthConnectSpec,
  client: Pick<ResolvedOAuthClient, 'client_id' | 'scopes'>,
  p: { redirectUri: string; state: string; codeChallenge?: string },
): string {
  const url = new URL(spec.authorizeUrl);
  const q = url.searchParams;
  q.set('response_type', 'code');
  q.set('client_id', client.client_id);
  q.set('redirect_uri', p.redirectUri);
  const scopes = client.scopes ?? spec.scopes;
  if (scopes.length > 0) q.set('scope', scopes.join(spec.scopeSeparator));
  q.set('state', p.state);
  if (p.codeChallenge) {
    q.set('code_challenge', p.codeChallenge);
    q.set('code_challenge_method', 'S256');
  }
  for (const [k, v] of Object.entries(spec.authorizeParams ?? {})) q.set(k, v);
  return url.toString();
}

export interface TokenHttpRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export function buildCodeExchangeRequest(
  spec: OAuthConnectSpec,
  client: Pick<ResolvedOAuthClient, 'client_id' | 'client_secret'>,
  p: { code: string; redirectUri: string; codeVerifier?: string },
): TokenHttpRequest {
  const form = new URLSearchParams({ grant_type: 'authorization_code', code: p.code, redirect_uri: p.redirectUri });
  if (p.codeVerifier) form.set('code_verifier', p.codeVerifier);
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  if (spec.clientAuth === 'client_secret_basic') {
    const enc = (s: string) => encodeURIComponent(s);
    headers.authorization = 'Basic ' + Buffer.from(`${enc(client.client_id)}:${enc(client.client_secret ?? '')}`).toString('base64');
  } else {
    form.set('client_id', client.client_id);
    if (client.client_secret) form.set('client_secret', client.client_secret);
  }
  return { url: spec.tokenUrl, headers, body: form.toString() };
}

export type CodeExchangeResult =
  | { ok: true; token: OAuthToken; context: Record<string, unknown> }
  /** `reason` is safe to show: the provider's error code and description, never a credential. */
  | { ok: false; code: string; reason: string };

const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : undefined);

/** Pure: the token response → token set + captured context, or a refusal. */
export function processCodeExchangeResponse(spec: OAuthConnectSpec, status: number, body: unknown, now: number): CodeExchangeResult {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const providerError = str(b.error) ?? (status >= 400 ? str(b.status) : undefined);
  if (status < 200 || status >= 300 || providerError) {
    const desc = str(b.error_description) ?? str(b.message) ?? '';
    const code = providerError ?? `http_${status}`;
    return { ok: false, code, reason: `${spec.integration} token endpoint refused the code: ${code}${desc ? ` (${desc.slice(0, 200)})` : ''}` };
  }
  const accessToken = str(b.access_token);
  if (!accessToken) return { ok: false, code: 'invalid_token_response', reason: `${spec.integration} token response has no access_token` };

  const context: Record<string, unknown> = {};
  for (const cap of spec.contextCapture) {
    const value = b[cap.from];
    if (value === undefined || value === null || value === '') {
      if (cap.required) return { ok: false, code: 'context_missing', reason: `${spec.integration} token response has no ${cap.from}` };
      continue;
    }
    if (cap.hostPatterns && !allowedUrl(value, cap.hostPatterns, spec.extraAllowedHosts)) {
      return { ok: false, code: 'host_not_allowed', reason: `${spec.integration} returned a ${cap.from} outside the allowed hosts; the connection was refused` };
    }
    context[cap.to ?? cap.from] = cap.hostPatterns ? String(value).replace(/\/+$/, '') : value;
  }

  const issuedMs = str(b.issued_at) && /^\d+$/.test(String(b.issued_at)) ? Number(b.issued_at) : now;
  const expiresIn = typeof b.expires_in === 'number' ? b.expires_in : typeof b.expires_in === 'string' && /^\d+$/.test(b.expires_in) ? Number(b.expires_in) : spec.fixedLifetimeSeconds;
  const token: OAuthToken = {
    access_token: accessToken,
    ...(str(b.refresh_token) ? { refresh_token: str(b.refresh_token)! } : {}),
    expires_at: expiresIn !== undefined ? new Date(issuedMs + expiresIn * 1000).toISOString() : null,
    ...(str(b.scope) ? { scope: str(b.scope)! } : Array.isArray(b.scopes) ? { scope: b.scopes.join(' ') } : {}),
    ...(str(b.token_type) ? { token_type: str(b.token_type)! } : {}),
    issued_at: new Date(issuedMs).toISOString(),
  };
  return { ok: true, token, context };
}

export async function sendTokenRequest(req: TokenHttpRequest, dispatcher?: Dispatcher, timeoutMs = 15_000): Promise<{ status: number; body: unknown }> {
  try {
    const res = await request(req.url, {
      method: 'POST',
      headers: req.headers,
      body: req.body,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      ...(dispatcher ? { dispatcher } : {}),
    });
    const text = await res.body.text();
    let body: unknown = undefined;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    return { status: res.statusCode, body };
  } catch (cause) {
    throw new CrmMcpError('provider_unavailable', `token endpoint unreachable (${new URL(req.url).host})`, { cause });
  }
}
