/**
 * Typed views of a definition for the token manager and the connect flow, so neither reads
 * the raw format. `classifyTokenErrorBody` is the declared `token_errors` table as a function;
 * the OAuth response processor classifies by status (5xx, 429, 401) whatever it calls `unknown`.
 */
import { CrmMcpError } from '../core/errors.js';
import type { ApiKeyAuth, AuthSpec, ContextCapture, Definition, ExpirySource, OAuth2Auth, TokenErrorHints, TokenErrorMatcher } from './schema.js';

export interface TokenEndpointSpec {
  integration: string;
  grant: 'oauth2' | 'oauth2_client_credentials';
  tokenUrl: string;
  clientAuth: 'client_secret_post' | 'client_secret_basic';
  scopes: string[];
  scopeSeparator: string;
  /** Extra form fields on a refresh_token grant. */
  refreshParams: Record<string, string>;
  expiry: ExpirySource;
  revokeUrl?: string;
  introspectUrl?: string;
  errorHints: TokenErrorHints;
  /** Context keys (under account.context) that are secret. */
  secretContextKeys: string[];
}

export function authSpec(def: Definition): AuthSpec {
  return def.auth;
}

/** Every authentication method an account of this integration may use: `auth`, then `alternate_auth`. */
export function authMethods(def: Definition): Array<AuthSpec['type']> {
  return [def.auth.type, ...def.alternate_auth.map((a) => a.type)];
}

/** How an api_key account sends its key (from `auth` or `alternate_auth`), or undefined. */
export function apiKeyAuth(def: Definition): ApiKeyAuth | undefined {
  if (def.auth.type === 'api_key') return def.auth;
  return def.alternate_auth.find((a): a is ApiKeyAuth => a.type === 'api_key');
}

/** Throws CrmMcpError('integration_unknown') for an api_key integration (it has no token endpoint). */
export function tokenEndpointSpec(def: Definition): TokenEndpointSpec {
  const a = def.auth;
  if (a.type === 'api_key') throw new CrmMcpError('integration_unknown', `integration "${def.name}" uses api_key auth; it has no token endpoint`);
  const oauth = a.type === 'oauth2' ? a : undefined;
  return {
    integration: def.name,
    grant: a.type,
    tokenUrl: a.token_url,
    clientAuth: a.client_auth,
    scopes: a.default_scopes,
    scopeSeparator: a.scope_separator,
    refreshParams: oauth?.refresh_params ?? {},
    expiry: a.expiry,
    ...(oauth?.revoke_url ? { revokeUrl: oauth.revoke_url } : {}),
    ...(oauth?.introspect_url ? { introspectUrl: oauth.introspect_url } : {}),
    errorHints: a.token_errors,
    secretContextKeys: secretContextKeys(def),
  };
}

export function contextCaptures(def: Definition): ContextCapture[] {
  return def.auth.type === 'oauth2' ? def.auth.context_capture : [];
}

export function secretContextKeys(def: Definition): string[] {
  return contextCaptures(def)
    .filter((c) => c.secret)
    .map((c) => c.to ?? c.from);
}

/** Shape of src/connect/spec.ts OAuthConnectSpec (kept structural so integrations does not import connect). */
export interface ConnectSpecView {
  integration: string;
  authorizeUrl: string;
  tokenUrl: string;
  revokeUrl?: string;
  pkce: boolean;
  scopes: string[];
  scopeSeparator: string;
  clientAuth: 'client_secret_post' | 'client_secret_basic';
  authorizeParams?: Record<string, string>;
  contextCapture: Array<{ from: string; to?: string; hostPatterns?: string[]; required?: boolean }>;
  fixedLifetimeSeconds?: number;
}

/** The connect flow's view of an oauth2 definition; throws for other auth types. */
export function connectSpec(def: Definition): ConnectSpecView {
  const a: OAuth2Auth | undefined = def.auth.type === 'oauth2' ? def.auth : undefined;
  if (!a) throw new CrmMcpError('integration_unknown', `integration "${def.name}" does not use the oauth2 authorization-code flow`);
  return {
    integration: def.name,
    authorizeUrl: a.authorize_url,
    tokenUrl: a.token_url,
    ...(a.revoke_url ? { revokeUrl: a.revoke_url } : {}),
    pkce: a.pkce,
    scopes: a.default_scopes,
    scopeSeparator: a.scope_separator,
    clientAuth: a.client_auth,
    ...(a.authorize_params ? { authorizeParams: a.authorize_params } : {}),
    contextCapture: a.context_capture.map((c) => ({
      from: c.from,
      ...(c.to ? { to: c.to } : {}),
      ...(c.host_patterns ? { hostPatterns: c.host_patterns } : {}),
      required: c.required,
    })),
    ...(typeof a.expiry === 'object' ? { fixedLifetimeSeconds: a.expiry.fixed_seconds } : {}),
  };
}

export type TokenErrorClass = 'revoked' | 'misconfigured' | 'unknown';

/** What RFC 6749 §5.2 says for every provider; a definition's `token_errors` add to these. */
const RFC6749_TOKEN_ERRORS: TokenErrorHints = {
  revoked: [{ error: ['invalid_grant'] }],
  misconfigured: [{ error: ['invalid_client', 'unauthorized_client'] }],
};

const within = (values: string[], v: unknown) => typeof v === 'string' && values.some((x) => x.toLowerCase() === v.toLowerCase());

function matches(m: TokenErrorMatcher, status: number, body: unknown): boolean {
  if (m.status && !m.status.includes(status)) return false;
  const b = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  if (m.error && !within(m.error, b.error)) return false;
  if (m.body_status && !within(m.body_status, b.status)) return false;
  return Boolean(m.error || m.body_status || m.status);
}

/**
 * Classifies a failed token-endpoint response by the definition's hints plus the RFC 6749
 * defaults; codes compare case-insensitively. The OAuth response processor
 * (src/oauth/token-response.ts) calls it for every failure, including 200s (Zoho reports a dead
 * grant as 200 {"error":"invalid_code"}); `unknown` leaves the status-based rules to decide.
 */
export function classifyTokenErrorBody(hints: TokenErrorHints | undefined, status: number, body: unknown): TokenErrorClass {
  const revoked = [...(hints?.revoked ?? []), ...RFC6749_TOKEN_ERRORS.revoked];
  const misconfigured = [...(hints?.misconfigured ?? []), ...RFC6749_TOKEN_ERRORS.misconfigured];
  if (revoked.some((m) => matches(m, status, body))) return 'revoked';
  if (misconfigured.some((m) => matches(m, status, body))) return 'misconfigured';
  return 'unknown';
}
