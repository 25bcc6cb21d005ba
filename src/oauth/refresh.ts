/**
 * refresh_token grant: a pure request builder, one HTTP exchange through the injected undici
 * dispatcher, and a pure classifier for failures. Nothing here logs or returns secret values
 * in messages.
 */
import { request, type Dispatcher } from 'undici';

export type ClientAuth = 'client_secret_post' | 'client_secret_basic';

export type ExpirySource = { kind: 'expires_in' } | { kind: 'fixed'; seconds: number } | { kind: 'introspection'; url: string };

export interface ContextCapture {
  /** Context field to set on the account (e.g. 'instance_url'). */
  field: string;
  /** Field of the token response to read it from. */
  from: string;
  /** Host patterns ('*.salesforce.com') the captured URL's host must match. */
  allowedHosts: string[];
}

export interface OAuthRefreshConfig {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  clientAuth: ClientAuth;
  extraParams?: Record<string, string>;
  expiry: ExpirySource;
  captureContext?: ContextCapture[];
  /** Name of the integration's OAuth client, used in misconfiguration errors. */
  clientName?: string;
  timeoutMs?: number;
}

export interface TokenHttpResponse {
  status: number;
  headers: Record<string, string | undefined>;
  /** Parsed JSON body or undefined when the body was not JSON. */
  json: unknown;
}

export interface RefreshRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export function buildRefreshRequest(cfg: OAuthRefreshConfig, refreshToken: string): RefreshRequest {
  const params = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, ...cfg.extraParams });
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  if (cfg.clientAuth === 'client_secret_basic') {
    const enc = (s: string) => encodeURIComponent(s);
    headers.authorization = 'Basic ' + Buffer.from(`${enc(cfg.clientId)}:${enc(cfg.clientSecret)}`).toString('base64');
  } else {
    params.set('client_id', cfg.clientId);
    params.set('client_secret', cfg.clientSecret);
  }
  return { url: cfg.tokenUrl, headers, body: params.toString() };
}

/** Network errors and timeouts come back as status 0. */
export async function sendTokenRequest(req: RefreshRequest, opts: { dispatcher?: Dispatcher; timeoutMs: number }): Promise<TokenHttpResponse> {
  try {
    const res = await request(req.url, {
      method: 'POST',
      headers: req.headers,
      body: req.body,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
      ...(opts.dispatcher ? { dispatcher: opts.dispatcher } : {}),
    });
    const text = await res.body.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(res.headers)) headers[k] = Array.isArray(v) ? v[0] : v;
    return { status: res.statusCode, headers, json };
  } catch (e) {
    return { status: 0, headers: {}, json: { network_error: (e as Error).name } };
  }
}

export interface TokenSet {
  access_token: string;
  refresh_token?: string;
  expires_in?: number;
  scope?: string;
  token_type?: string;
  raw: Record<string, unknown>;
}

export type RefreshFailureKind = 'revoked' | 'transient' | 'rate_limited' | 'misconfigured' | 'invalid_response';

export interface RefreshFailure {
  kind: RefreshFailureKind;
  retryAfterMs?: number;
  reason: string;
}

const REVOKED_CODES = new Set(['invalid_grant', 'bad_refresh_token', 'invalid_code', 'invalid_token', 'expired_refresh_token']);
const MISCONFIGURED_CODES = new Set(['invalid_client', 'unauthorized_client', 'invalid_client_id', 'invalid_client_secret']);

function errorCode(json: unknown): string | undefined {
  if (!json || typeof json !== 'object') return undefined;
  const o = json as Record<string, unknown>;
  if (typeof o.error === 'string') return o.error.toLowerCase();
  // HubSpot: {"status":"BAD_REFRESH_TOKEN","message":...}
  if (typeof o.status === 'string') return o.status.toLowerCase();
  return undefined;
}

/**
 * The provider's own words (`error_description`, HubSpot's `message`), one line, bounded, so an
 * operator sees *why* ("expired access/refresh token", "refresh token is revoked").
 */
function describe(json: unknown): string {
  if (!json || typeof json !== 'object') return '';
  const o = json as Record<string, unknown>;
  const d = typeof o.error_description === 'string' ? o.error_description : typeof o.message === 'string' ? o.message : '';
  const line = d.replace(/\s+/g, ' ').trim();
  return line ? `: ${line.length > 200 ? `${line.slice(0, 197)}...` : line}` : '';
}

function parseRetryAfter(v: string | undefined, now: number): number | undefined {
  if (!v) return undefined;
  const n = Number(v);
  if (Number.isFinite(n)) return Math.max(0, n * 1000);
  const d = Date.parse(v);
  return Number.isNaN(d) ? undefined : Math.max(0, d - now);
}

/**
 * Successful token set, or the failure classified. Pure. Zoho answers HTTP 200 with
 * {"error":"invalid_code"}, so a 200 carrying `error` is a failure too.
 */
export function classifyRefreshResponse(res: TokenHttpResponse, now = Date.now()): { ok: true; tokens: TokenSet } | { ok: false; failure: RefreshFailure } {
  const code = errorCode(res.json);
  const body = res.json as Record<string, unknown> | undefined;
  if (res.status === 200 && body && typeof body.access_token === 'string' && body.access_token !== '' && typeof body.error !== 'string') {
    const tokens: TokenSet = { access_token: body.access_token, raw: body };
    if (typeof body.refresh_token === 'string' && body.refresh_token !== '') tokens.refresh_token = body.refresh_token;
    const ei = Number(body.expires_in);
    if (body.expires_in !== undefined && Number.isFinite(ei) && ei > 0) tokens.expires_in = ei;
    if (typeof body.scope === 'string') tokens.scope = body.scope;
    if (typeof body.token_type === 'string') tokens.token_type = body.token_type;
    return { ok: true, tokens };
  }
  return { ok: false, failure: classifyRefreshFailure(res, now, code) };
}

export function classifyRefreshFailure(res: TokenHttpResponse, now = Date.now(), code = errorCode(res.json)): RefreshFailure {
  if (res.status === 0) return { kind: 'transient', reason: 'network error or timeout reaching the token endpoint' };
  if (res.status === 429) {
    const ra = parseRetryAfter(res.headers['retry-after'], now);
    return { kind: 'rate_limited', reason: 'token endpoint rate limited (429)', ...(ra !== undefined ? { retryAfterMs: ra } : {}) };
  }
  if (res.status >= 500) return { kind: 'transient', reason: `token endpoint answered ${res.status}` };
  if (code && REVOKED_CODES.has(code)) return { kind: 'revoked', reason: `provider rejected the refresh token (${code}${describe(res.json)})` };
  if (code && MISCONFIGURED_CODES.has(code)) return { kind: 'misconfigured', reason: `provider rejected the OAuth client (${code})` };
  if (res.status === 401 && !code) return { kind: 'misconfigured', reason: 'token endpoint answered 401 (client authentication)' };
  if (res.status === 200) return { kind: 'invalid_response', reason: code ? `token endpoint answered 200 with error ${code}` : 'token response without access_token' };
  return { kind: 'invalid_response', reason: `token endpoint answered ${res.status}${code ? ` (${code})` : ''}` };
}

/** True when `host` matches one of the patterns ('*.example.com' matches subdomains only). */
export function hostAllowed(host: string, patterns: string[]): boolean {
  const h = host.toLowerCase();
  return patterns.some((p) => {
    const q = p.toLowerCase();
    return q.startsWith('*.') ? h.endsWith(q.slice(1)) && h.length > q.length - 1 : h === q;
  });
}
