/**
 * The one token-endpoint response processor, shared by the code exchange and the refresh grant:
 * a token set, or the failure classified (habit 3: data, not actions). Which provider error
 * bodies mean a dead grant or a rejected client comes from the definition's `token_errors`
 * (on top of RFC 6749's `invalid_grant` / `invalid_client`), never from a list in code. Pure.
 */
import { classifyTokenErrorBody } from '../integrations/accessors.js';
import type { TokenErrorHints } from '../integrations/schema.js';
import type { OAuthResponse } from './http.js';

export interface TokenSet {
  access_token: string;
  refresh_token?: string;
  /** Seconds. */
  expires_in?: number;
  scope?: string;
  token_type?: string;
  /** When the provider says it issued the token (Salesforce `issued_at`), epoch ms. */
  issued_at_ms?: number;
  /** The whole response body (context such as `instance_url` is read from it). */
  raw: Record<string, unknown>;
}

export type TokenFailureKind = 'revoked' | 'transient' | 'rate_limited' | 'misconfigured' | 'invalid_response';

export interface TokenFailure {
  kind: TokenFailureKind;
  /** HTTP status; 0 when the endpoint was not reached. */
  status: number;
  /** The provider's error code as sent (`error`, or HubSpot's body `status` on an HTTP error). */
  code?: string;
  /** The provider's own words (`error_description`, HubSpot's `message`): one line, bounded. */
  description?: string;
  retryAfterMs?: number;
  /** For an unreached endpoint: its host and what failed. */
  unreachable?: { host: string; cause: string };
}

export type TokenResult = { ok: true; tokens: TokenSet } | { ok: false; failure: TokenFailure };

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function positive(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+(\.\d+)?$/.test(v) ? Number(v) : NaN;
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

function oneLine(v: string | undefined): string | undefined {
  const line = v?.replace(/\s+/g, ' ').trim();
  if (!line) return undefined;
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

function parseRetryAfter(v: string | undefined, now: number): number | undefined {
  if (!v) return undefined;
  const n = Number(v);
  if (Number.isFinite(n)) return Math.max(0, n * 1000);
  const d = Date.parse(v);
  return Number.isNaN(d) ? undefined : Math.max(0, d - now);
}

/** The provider's error code: `error`, or HubSpot's body `status` on an HTTP error. */
export function providerErrorCode(status: number, body: Record<string, unknown>): string | undefined {
  return str(body.error) ?? (status >= 400 ? str(body.status) : undefined);
}

/**
 * Zoho answers a dead grant with HTTP 200 {"error":"invalid_code"}, so a 2xx carrying `error` is
 * a failure too; Salesforce sends `issued_at` as a ms-epoch string and no `expires_in`.
 */
export function processTokenResponse(res: OAuthResponse, opts: { now: number; errors?: TokenErrorHints }): TokenResult {
  if (!res.reached) return { ok: false, failure: { kind: 'transient', status: 0, unreachable: { host: res.host, cause: res.cause } } };
  const body = res.json && typeof res.json === 'object' && !Array.isArray(res.json) ? (res.json as Record<string, unknown>) : {};
  const accessToken = str(body.access_token);
  if (res.status >= 200 && res.status < 300 && accessToken && typeof body.error !== 'string') {
    const tokens: TokenSet = { access_token: accessToken, raw: body };
    const refresh = str(body.refresh_token);
    if (refresh) tokens.refresh_token = refresh;
    const expiresIn = positive(body.expires_in);
    if (expiresIn !== undefined) tokens.expires_in = expiresIn;
    const scope = str(body.scope) ?? (Array.isArray(body.scopes) ? body.scopes.join(' ') : undefined);
    if (scope) tokens.scope = scope;
    const type = str(body.token_type);
    if (type) tokens.token_type = type;
    const issued = str(body.issued_at);
    if (issued && /^\d+$/.test(issued)) tokens.issued_at_ms = Number(issued);
    return { ok: true, tokens };
  }
  const code = providerErrorCode(res.status, body);
  const description = oneLine(str(body.error_description) ?? str(body.message));
  const base = { status: res.status, ...(code ? { code } : {}), ...(description ? { description } : {}) };
  if (res.status === 429) {
    const ra = parseRetryAfter(res.headers['retry-after'], opts.now);
    return { ok: false, failure: { kind: 'rate_limited', ...base, ...(ra !== undefined ? { retryAfterMs: ra } : {}) } };
  }
  if (res.status >= 500) return { ok: false, failure: { kind: 'transient', ...base } };
  const declared = classifyTokenErrorBody(opts.errors, res.status, body);
  if (declared !== 'unknown') return { ok: false, failure: { kind: declared, ...base } };
  // RFC 6749 §5.2: a client that failed to authenticate gets 401, whatever the body says.
  if (res.status === 401 && !code) return { ok: false, failure: { kind: 'misconfigured', ...base } };
  return { ok: false, failure: { kind: 'invalid_response', ...base } };
}
