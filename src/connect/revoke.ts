/**
 * Revoking an account's grant before it is deleted (RFC 7009 calls in src/oauth/revoke.ts, with
 * the integration's client authentication). The refresh token is revoked first, then the access
 * token: revoking a HubSpot refresh token leaves its issued access tokens working (PROVIDERS.md
 * §1.1); on Salesforce the second call finds the token already dead (400 invalid_token), which
 * counts as revoked. Without a resolvable client the calls go unauthenticated.
 */
import type { Dispatcher } from 'undici';
import type { LinkedAccount } from '../accounts/model.js';
import type { ResolvedOAuthClient } from '../oauth-clients/resolve.js';
import { clientAuth, type ClientAuthMethod } from '../oauth/client-auth.js';
import { sendOAuthRequest, type OAuthRequest } from '../oauth/http.js';
import { buildRevocationRequest, processRevocationResponse } from '../oauth/revoke.js';
import type { RevokeOutcome } from './runtime.js';

type Client = Pick<ResolvedOAuthClient, 'client_id' | 'client_secret'>;

export interface RevocationEndpoint {
  revokeUrl?: string | undefined;
  clientAuth: ClientAuthMethod;
}

/** One request per token the account holds, refresh token first. */
function buildRevokeRequests(revokeUrl: string, clientAuthMethod: ClientAuthMethod, account: LinkedAccount, client: Client | undefined): OAuthRequest[] {
  const token = account.context.oauth?.token;
  const auth = client ? clientAuth(clientAuthMethod, { clientId: client.client_id, ...(client.client_secret ? { clientSecret: client.client_secret } : {}) }) : undefined;
  const tokens: Array<[string, 'refresh_token' | 'access_token']> = [];
  if (token?.refresh_token) tokens.push([token.refresh_token, 'refresh_token']);
  if (token?.access_token) tokens.push([token.access_token, 'access_token']);
  return tokens.map(([value, hint]) => buildRevocationRequest(revokeUrl, value, hint, auth));
}

export async function revokeGrant(endpoint: RevocationEndpoint, account: LinkedAccount, client: Client | undefined, dispatcher?: Dispatcher): Promise<RevokeOutcome> {
  if (!endpoint.revokeUrl) return { attempted: false, ok: true };
  const requests = buildRevokeRequests(endpoint.revokeUrl, endpoint.clientAuth, account, client);
  if (requests.length === 0) return { attempted: false, ok: true, reason: 'no token to revoke' };
  let note: string | undefined;
  for (const [i, req] of requests.entries()) {
    const outcome = processRevocationResponse(await sendOAuthRequest(req, { ...(dispatcher ? { dispatcher } : {}), timeoutMs: 15_000 }));
    if (!outcome.ok) return { attempted: true, ok: false, reason: outcome.reason };
    // Only the first token's note is news: the access token is expected to be dead after it.
    if (i === 0 && outcome.alreadyInvalid) note = `provider says the token was already invalid (${outcome.alreadyInvalid})`;
  }
  return { attempted: true, ok: true, ...(note ? { reason: note } : {}) };
}
