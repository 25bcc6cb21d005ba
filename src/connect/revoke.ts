/**
 * Token revocation (RFC 7009 shape): Salesforce takes `token`; HubSpot v3 also wants
 * `client_id` and `client_secret` in the form, which Salesforce ignores — so both are sent.
 * The refresh token is revoked when there is one (that kills its access tokens on Salesforce).
 */
import { request, type Dispatcher } from 'undici';
import type { LinkedAccount } from '../accounts/model.js';
import type { ResolvedOAuthClient } from '../oauth-clients/resolve.js';
import type { RevokeOutcome } from './runtime.js';

export function buildRevokeRequest(revokeUrl: string, account: LinkedAccount, client: Pick<ResolvedOAuthClient, 'client_id' | 'client_secret'> | undefined) {
  const token = account.context.oauth?.token;
  const value = token?.refresh_token ?? token?.access_token;
  if (!value) return undefined;
  const form = new URLSearchParams({ token: value, token_type_hint: token?.refresh_token ? 'refresh_token' : 'access_token' });
  if (client) {
    form.set('client_id', client.client_id);
    if (client.client_secret) form.set('client_secret', client.client_secret);
  }
  return { url: revokeUrl, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() };
}

export async function revokeGrant(
  revokeUrl: string | undefined,
  account: LinkedAccount,
  client: Pick<ResolvedOAuthClient, 'client_id' | 'client_secret'> | undefined,
  dispatcher?: Dispatcher,
): Promise<RevokeOutcome> {
  if (!revokeUrl) return { attempted: false, ok: true };
  const req = buildRevokeRequest(revokeUrl, account, client);
  if (!req) return { attempted: false, ok: true, reason: 'no token to revoke' };
  try {
    const res = await request(req.url, { method: 'POST', headers: req.headers, body: req.body, headersTimeout: 15_000, bodyTimeout: 15_000, ...(dispatcher ? { dispatcher } : {}) });
    const text = await res.body.text();
    if (res.statusCode >= 200 && res.statusCode < 300) return { attempted: true, ok: true };
    let code = `http_${res.statusCode}`;
    try {
      const b = JSON.parse(text) as { error?: unknown; status?: unknown };
      if (typeof b.error === 'string') code = b.error;
      else if (typeof b.status === 'string') code = b.status;
    } catch {
      /* non-JSON error body: keep the status code */
    }
    // An already-dead token is as good as revoked.
    if (code === 'invalid_token' || code === 'invalid_grant') return { attempted: true, ok: true, reason: `provider says the token was already invalid (${code})` };
    return { attempted: true, ok: false, reason: `revocation refused by the provider: ${code}` };
  } catch (err) {
    return { attempted: true, ok: false, reason: `revocation endpoint unreachable (${(err as Error).message.slice(0, 100)})` };
  }
}
