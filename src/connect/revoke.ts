/**
 * Token revocation (RFC 7009 shape): Salesforce takes `token`; HubSpot v3 also wants
 * `client_id` and `client_secret` in the form, which Salesforce ignores — so both are sent.
 * The refresh token is revoked first, then the access token: revoking a HubSpot refresh token
 * leaves its issued access tokens working (PROVIDERS.md §1.1); on Salesforce the second call
 * finds the token already dead (400 invalid_token), which counts as revoked.
 */
import { request, type Dispatcher } from 'undici';
import type { LinkedAccount } from '../accounts/model.js';
import type { ResolvedOAuthClient } from '../oauth-clients/resolve.js';
import type { RevokeOutcome } from './runtime.js';

type Client = Pick<ResolvedOAuthClient, 'client_id' | 'client_secret'>;

/** One request per token the account holds, refresh token first. */
export function buildRevokeRequests(revokeUrl: string, account: LinkedAccount, client: Client | undefined) {
  const token = account.context.oauth?.token;
  const tokens: Array<[string, 'refresh_token' | 'access_token']> = [];
  if (token?.refresh_token) tokens.push([token.refresh_token, 'refresh_token']);
  if (token?.access_token) tokens.push([token.access_token, 'access_token']);
  return tokens.map(([value, hint]) => {
    const form = new URLSearchParams({ token: value, token_type_hint: hint });
    if (client) {
      form.set('client_id', client.client_id);
      if (client.client_secret) form.set('client_secret', client.client_secret);
    }
    return { url: revokeUrl, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() };
  });
}

type OneOutcome = { ok: true; note?: string } | { ok: false; reason: string };

async function revokeOne(req: ReturnType<typeof buildRevokeRequests>[number], dispatcher?: Dispatcher): Promise<OneOutcome> {
  try {
    const res = await request(req.url, { method: 'POST', headers: req.headers, body: req.body, headersTimeout: 15_000, bodyTimeout: 15_000, ...(dispatcher ? { dispatcher } : {}) });
    const text = await res.body.text();
    if (res.statusCode >= 200 && res.statusCode < 300) return { ok: true };
    let code = `http_${res.statusCode}`;
    try {
      const b = JSON.parse(text) as { error?: unknown; status?: unknown };
      if (typeof b.error === 'string') code = b.error;
      else if (typeof b.status === 'string') code = b.status;
    } catch {
      /* non-JSON error body: keep the status code */
    }
    // An already-dead token is as good as revoked.
    if (code === 'invalid_token' || code === 'invalid_grant') return { ok: true, note: `provider says the token was already invalid (${code})` };
    return { ok: false, reason: `revocation refused by the provider: ${code}` };
  } catch (err) {
    return { ok: false, reason: `revocation endpoint unreachable (${(err as Error).message.slice(0, 100)})` };
  }
}

export async function revokeGrant(revokeUrl: string | undefined, account: LinkedAccount, client: Client | undefined, dispatcher?: Dispatcher): Promise<RevokeOutcome> {
  if (!revokeUrl) return { attempted: false, ok: true };
  const requests = buildRevokeRequests(revokeUrl, account, client);
  if (requests.length === 0) return { attempted: false, ok: true, reason: 'no token to revoke' };
  let note: string | undefined;
  for (const [i, req] of requests.entries()) {
    const outcome = await revokeOne(req, dispatcher);
    if (!outcome.ok) return { attempted: true, ok: false, reason: outcome.reason };
    // Only the first token's note is news: the access token is expected to be dead after it.
    if (i === 0) note = outcome.note;
  }
  return { attempted: true, ok: true, ...(note ? { reason: note } : {}) };
}
