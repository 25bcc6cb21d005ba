/** RFC 7662 token introspection, used to learn an access token's expiry when the grant omits it. */
import { request, type Dispatcher } from 'undici';
import type { OAuthRefreshConfig } from './refresh.js';

/** Epoch ms the token expires at, or undefined when the endpoint did not say (or failed). */
export async function introspectExpiry(cfg: OAuthRefreshConfig, url: string, accessToken: string, opts: { dispatcher?: Dispatcher; timeoutMs: number }): Promise<number | undefined> {
  const params = new URLSearchParams({ token: accessToken, token_type_hint: 'access_token', client_id: cfg.clientId, client_secret: cfg.clientSecret });
  try {
    const res = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: params.toString(),
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
      ...(opts.dispatcher ? { dispatcher: opts.dispatcher } : {}),
    });
    const body = (await res.body.json().catch(() => undefined)) as { active?: unknown; exp?: unknown } | undefined;
    if (res.statusCode !== 200 || !body || body.active !== true) return undefined;
    const exp = Number(body.exp);
    return Number.isFinite(exp) && exp > 0 ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
