/**
 * The one sender behind every OAuth endpoint call (token, revocation, introspection): a form POST
 * through the injected undici dispatcher. It never throws — an endpoint that cannot be reached
 * (network error, timeout) is an `unreachable` outcome, and each response processor says what
 * that means for its call. Neither outcome carries the request body.
 * `timeoutMs` is a total deadline — connect, headers and body together, enforced with an
 * AbortSignal (undici's own timeouts are per-phase idle timers: a trickling answer never trips
 * them). Network deadlines run on real time, like the socket's own timers.
 */
import type { Dispatcher } from 'undici';
import type { ClientAuth } from './client-auth.js';

export interface OAuthRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export type OAuthResponse =
  | {
      reached: true;
      status: number;
      headers: Record<string, string | undefined>;
      /** Parsed JSON body, or undefined when the body was empty or not JSON. */
      json: unknown;
    }
  /** `cause` names the failure (e.g. ECONNREFUSED, HeadersTimeoutError), never a credential. */
  | { reached: false; host: string; cause: string };

export interface SendOptions {
  dispatcher?: Dispatcher;
  /** Total deadline of the call (connect + headers + body). */
  timeoutMs: number;
  /**
   * Once a 2xx status has arrived, the body may take this long in all (from the start) instead:
   * a token answer the provider already committed to carries a rotated refresh token.
   */
  answerGraceMs?: number;
  /** Aborts the call (e.g. the caller's own deadline). */
  signal?: AbortSignal;
}

/** A form-encoded POST to `url`, authenticated by `auth` when given. Pure. */
export function formRequest(url: string, params: Record<string, string>, auth?: ClientAuth): OAuthRequest {
  const form = new URLSearchParams(params);
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  auth?.(form, headers);
  return { url, headers, body: form.toString() };
}

export async function sendOAuthRequest(req: OAuthRequest, opts: SendOptions): Promise<OAuthResponse> {
  const started = Date.now();
  const abort = new AbortController();
  let expired = false;
  const expire = () => {
    expired = true;
    abort.abort();
  };
  let deadline = setTimeout(expire, opts.timeoutMs);
  const onAbort = () => abort.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  if (opts.signal?.aborted) abort.abort();
  try {
    // undici loads on the first call: a server that never refreshes never pays for it.
    const { request } = await import('undici');
    const res = await request(req.url, {
      method: 'POST',
      headers: req.headers,
      body: req.body,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
      signal: abort.signal,
      ...(opts.dispatcher ? { dispatcher: opts.dispatcher } : {}),
    });
    if (res.statusCode >= 200 && res.statusCode < 300 && opts.answerGraceMs !== undefined && opts.answerGraceMs > opts.timeoutMs) {
      clearTimeout(deadline);
      deadline = setTimeout(expire, Math.max(0, started + opts.answerGraceMs - Date.now()));
    }
    const text = await res.body.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(res.headers)) headers[k] = Array.isArray(v) ? v[0] : v;
    return { reached: true, status: res.statusCode, headers, json };
  } catch (e) {
    const err = e as { code?: unknown; name?: unknown };
    const cause = expired ? 'deadline exceeded' : abort.signal.aborted ? 'aborted' : typeof err.code === 'string' ? err.code : String(err.name ?? 'Error');
    return { reached: false, host: hostOf(req.url), cause };
  } finally {
    clearTimeout(deadline);
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'invalid URL';
  }
}
