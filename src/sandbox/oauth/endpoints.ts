/**
 * Authorize (auto-consent), introspection (RFC 7662 / Salesforce / HubSpot v3 shapes) and
 * revocation endpoints over a FakeOAuthProvider.
 */
import { parseForm, type IncomingCall, type Reply } from '../http.js';
import type { FakeOAuthProvider } from './provider.js';

function redirect(to: string, params: Record<string, string | undefined>): Reply {
  const u = new URL(to);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, v);
  return { status: 302, headers: { location: u.toString() }, text: '' };
}

/**
 * `GET` authorize: validates client and redirect URI (400 page when they are wrong, as providers
 * never redirect to an unverified URI), then redirects back with a single-use `code` and `state`
 * — or `error=access_denied` when `settings.consent` is `deny`.
 */
export function handleAuthorize(p: FakeOAuthProvider, call: IncomingCall): Reply {
  p.stats.authorizeRequests += 1;
  const q = call.url.searchParams;
  const clientId = q.get('client_id');
  const redirectUri = q.get('redirect_uri');
  const state = q.get('state') ?? undefined;
  const client = p.clients.find((c) => c.clientId === clientId);
  if (!client) return { status: 400, headers: { 'content-type': 'text/plain' }, text: 'error=invalid_client_id&error_description=client identifier invalid' };
  if (!redirectUri || !/^https?:\/\//.test(redirectUri) || (client.redirectUris && !client.redirectUris.includes(redirectUri))) {
    return { status: 400, headers: { 'content-type': 'text/plain' }, text: 'error=redirect_uri_mismatch&error_description=redirect_uri must match configuration' };
  }
  if (q.get('response_type') !== 'code') return redirect(redirectUri, { error: 'unsupported_response_type', error_description: 'response type not supported', state });
  const challenge = q.get('code_challenge') ?? undefined;
  const method = q.get('code_challenge_method') ?? (challenge ? 'plain' : undefined);
  if (p.settings.requirePkce && (!challenge || method !== 'S256')) {
    return redirect(redirectUri, { error: 'invalid_request', error_description: 'missing required code challenge', state });
  }
  if (p.settings.consent === 'deny') return redirect(redirectUri, { error: 'access_denied', error_description: 'end-user denied authorization', state });
  const code = p.token('code');
  p.codes.set(code, {
    clientId: client.clientId,
    redirectUri,
    scope: q.get('scope') ?? p.settings.defaultScope,
    challenge,
    challengeMethod: method,
    expiresAt: p.clock.now() + p.settings.codeTtlSeconds * 1000,
    used: false,
  });
  return redirect(redirectUri, { code, state });
}

/** `POST` introspect (client-authenticated). Unknown, expired or revoked → `{active:false}`. */
export function handleIntrospect(p: FakeOAuthProvider, call: IncomingCall): Reply {
  p.stats.introspectRequests += 1;
  const form = parseForm(call.body);
  const client = p.authenticateClient(call, form);
  if (typeof client === 'string') return { status: 401, json: { error: 'invalid_client', error_description: 'invalid client credentials' } };
  const token = form.get('token') ?? '';
  const hint = form.get('token_type_hint');
  const at = p.checkAccessToken(token);
  const rt = at.state === 'unknown' ? p.refreshInfo(token) : undefined;
  const now = p.clock.now();
  const rec = p.accessTokenRecord(token);
  const isAccess = at.state === 'valid';
  const isRefresh = rt?.active === true;
  if ((!isAccess && !isRefresh) || (hint === 'refresh_token' && !isRefresh && p.flavor === 'hubspot')) return { status: 200, json: { active: false } };
  const info = p.grantOf(token);
  if (!info || info.clientId !== client.clientId) return { status: 200, json: { active: false } };
  const exp = isAccess && rec ? Math.floor(rec.expiresAt / 1000) : undefined;
  const iat = rec ? Math.floor(rec.issuedAt / 1000) : undefined;
  const sub = `${p.issuerUrl}/id/${info.orgId}/${info.userId}`;
  switch (p.flavor) {
    case 'salesforce':
      return {
        status: 200,
        json: {
          active: true, scope: info.scope, client_id: info.clientId, username: `user-${info.userId}@example.com`, sub,
          token_type: isAccess ? 'access_token' : 'refresh_token',
          ...(exp !== undefined ? { exp, iat, nbf: iat } : {}),
        },
      };
    case 'hubspot': {
      const hubId = 1000 + Number(info.grantId.replace(/\D/g, ''));
      return {
        status: 200,
        json: {
          active: true, app_id: 1, client_id: info.clientId, ...(rec && isAccess ? { expires_in: Math.max(0, Math.floor((rec.expiresAt - now) / 1000)) } : {}),
          hub_id: hubId, hub_domain: `fake-${hubId}.hubspot.com`, scopes: info.scope.split(/\s+/).filter(Boolean), token,
          token_type: isAccess ? 'access' : 'refresh', token_use: isAccess ? 'access_token' : 'refresh_token',
          user: `user-${info.userId}@example.com`, user_id: 1,
        },
      };
    }
    default:
      return {
        status: 200,
        json: { active: true, scope: info.scope, client_id: info.clientId, sub, token_type: isAccess ? 'access_token' : 'refresh_token', ...(exp !== undefined ? { exp, iat } : {}) },
      };
  }
}

/**
 * Revocation. Salesforce: `POST` form or `GET ?token=` → 200 empty; unknown token → 400
 * `invalid_token`. HubSpot v3 and generic (RFC 7009): 200 whatever the token.
 * Client authentication is required for HubSpot v3 only (Salesforce and RFC 7009 public clients may omit it).
 */
export function handleRevoke(p: FakeOAuthProvider, call: IncomingCall): Reply {
  p.stats.revokeRequests += 1;
  const form = call.method === 'GET' ? call.url.searchParams : parseForm(call.body);
  if (p.flavor === 'hubspot') {
    const client = p.authenticateClient(call, form);
    if (typeof client === 'string') return { status: 400, json: { error: 'invalid_client', error_description: 'missing or unknown client id', status: 'BAD_CLIENT_ID', message: 'missing or unknown client id' } };
  }
  const token = form.get('token');
  if (!token) return { status: 400, json: { error: 'invalid_request', error_description: 'token parameter required' } };
  const kind = p.revokeToken(token);
  if (!kind && p.flavor === 'salesforce') return { status: 400, json: { error: 'invalid_token', error_description: 'invalid token' } };
  return { status: 200, text: '' };
}

/** HubSpot legacy `DELETE /oauth/v1/refresh-tokens/{token}` → 204 (404 when unknown). */
export function handleHubSpotLegacyDelete(p: FakeOAuthProvider, token: string): Reply {
  p.stats.revokeRequests += 1;
  const status = p.refreshTokenStatus(token);
  const kind = status === undefined || status === 'revoked' ? undefined : p.revokeToken(token);
  if (kind !== 'refresh') return { status: 404, json: { status: 'error', message: 'refresh token not found', category: 'OBJECT_NOT_FOUND' } };
  return { status: 204, text: '' };
}

/**
 * HubSpot legacy `GET /oauth/v1/access-tokens/{token}` → token metadata with `expires_in`
 * (seconds left); unknown/expired/revoked → 404 (shape unverified).
 */
export function handleHubSpotAccessTokenInfo(p: FakeOAuthProvider, token: string): Reply {
  p.stats.introspectRequests += 1;
  const st = p.checkAccessToken(token);
  const info = p.grantOf(token);
  if (st.state !== 'valid' || !info) return { status: 404, json: { status: 'error', message: 'access token not found', correlationId: 'n/a', category: 'OBJECT_NOT_FOUND' } };
  const hubId = 1000 + Number(info.grantId.replace(/\D/g, ''));
  return {
    status: 200,
    json: {
      token, user: `user-${info.userId}@example.com`, hub_domain: `fake-${hubId}.hubspot.com`, scopes: info.scope.split(/\s+/).filter(Boolean),
      hub_id: hubId, app_id: 1, expires_in: Math.max(0, Math.floor((st.expiresAt - p.clock.now()) / 1000)), user_id: 1, token_type: 'access',
    },
  };
}
