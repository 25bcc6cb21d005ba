/**
 * refresh_token grant: the refresh config the token manager works from (built from the
 * integration definition as resolved for the account's environment), a pure request builder,
 * and a pure response processor that classifies failures for the token manager's one switch.
 * Reasons carry the provider's words, never a token or the client secret.
 */
import { contextCaptures, tokenEndpointSpec, type Definition, type TokenErrorHints } from '../integrations/index.js';
import { clientAuth, type ClientAuthMethod } from './client-auth.js';
import type { ContextCapture } from './context.js';
import { formRequest, type OAuthRequest, type OAuthResponse } from './http.js';
import { processTokenResponse, type TokenFailure, type TokenFailureKind, type TokenSet } from './token-response.js';

export type ExpirySource = { kind: 'expires_in' } | { kind: 'fixed'; seconds: number } | { kind: 'introspection'; url: string };

export interface OAuthRefreshConfig {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  clientAuth: ClientAuthMethod;
  extraParams?: Record<string, string>;
  expiry: ExpirySource;
  /** Context a refresh response may update (only URL captures: the host policy applies as at connect). */
  captureContext?: ContextCapture[];
  /** Deployment-level extra allowed hosts (test/dev only; also permit http). */
  extraAllowedHosts?: string[];
  /** The definition's `token_errors`; the RFC 6749 codes apply in any case. */
  tokenErrors?: TokenErrorHints;
  /** Name of the integration's OAuth client, used in misconfiguration errors. */
  clientName?: string;
  timeoutMs?: number;
}

/** How a definition's access tokens tell their expiry; reading it needs no OAuth client. */
export function expirySourceFor(def: Definition): ExpirySource {
  const { expiry, introspectUrl } = tokenEndpointSpec(def);
  return expiry === 'expires_in' ? { kind: 'expires_in' } : expiry === 'introspection' ? { kind: 'introspection', url: introspectUrl ?? '' } : { kind: 'fixed', seconds: expiry.fixed_seconds };
}

/** The refresh config for an account whose definition (after overrides) is `def`. */
export function refreshConfigFor(def: Definition, client: { client_id: string; client_secret?: string | undefined }, opts: { extraAllowedHosts?: string[]; clientName?: string } = {}): OAuthRefreshConfig {
  const spec = tokenEndpointSpec(def);
  return {
    tokenUrl: spec.tokenUrl,
    clientId: client.client_id,
    clientSecret: client.client_secret ?? '',
    clientAuth: spec.clientAuth,
    extraParams: spec.refreshParams,
    expiry: expirySourceFor(def),
    captureContext: contextCaptures(def)
      .filter((c) => c.host_patterns)
      .map((c) => ({ from: c.from, ...(c.to ? { to: c.to } : {}), hostPatterns: c.host_patterns! })),
    ...(opts.extraAllowedHosts ? { extraAllowedHosts: opts.extraAllowedHosts } : {}),
    tokenErrors: spec.errorHints,
    ...(opts.clientName ? { clientName: opts.clientName } : {}),
  };
}

export function buildRefreshRequest(cfg: OAuthRefreshConfig, refreshToken: string): OAuthRequest {
  return formRequest(cfg.tokenUrl, { grant_type: 'refresh_token', refresh_token: refreshToken, ...cfg.extraParams }, clientAuth(cfg.clientAuth, { clientId: cfg.clientId, clientSecret: cfg.clientSecret }));
}

export interface RefreshFailure {
  kind: TokenFailureKind;
  retryAfterMs?: number;
  reason: string;
}

export function processRefreshResponse(cfg: Pick<OAuthRefreshConfig, 'tokenErrors'>, res: OAuthResponse, now: number): { ok: true; tokens: TokenSet } | { ok: false; failure: RefreshFailure } {
  const out = processTokenResponse(res, { now, ...(cfg.tokenErrors ? { errors: cfg.tokenErrors } : {}) });
  if (out.ok) return out;
  const f = out.failure;
  return { ok: false, failure: { kind: f.kind, reason: refreshReason(f), ...(f.retryAfterMs !== undefined ? { retryAfterMs: f.retryAfterMs } : {}) } };
}

function refreshReason(f: TokenFailure): string {
  const code = f.code?.toLowerCase();
  switch (f.kind) {
    case 'transient':
      return f.unreachable ? 'network error or timeout reaching the token endpoint' : `token endpoint answered ${f.status}`;
    case 'rate_limited':
      return 'token endpoint rate limited (429)';
    case 'revoked':
      return `provider rejected the refresh token (${code ?? `http_${f.status}`}${f.description ? `: ${f.description}` : ''})`;
    case 'misconfigured':
      return code ? `provider rejected the OAuth client (${code})` : `token endpoint answered ${f.status} (client authentication)`;
    case 'invalid_response':
      if (f.status >= 200 && f.status < 300) return code ? `token endpoint answered ${f.status} with error ${code}` : 'token response without access_token';
      return `token endpoint answered ${f.status}${code ? ` (${code})` : ''}`;
    default: {
      const never: never = f.kind;
      return String(never);
    }
  }
}
