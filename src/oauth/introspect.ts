/** RFC 7662 token introspection, used to learn an access token's expiry when the grant omits it. */
import { clientAuth, type ClientAuth } from './client-auth.js';
import { formRequest, sendOAuthRequest, type OAuthRequest, type OAuthResponse, type SendOptions } from './http.js';
import type { OAuthRefreshConfig } from './refresh.js';

function buildIntrospectionRequest(url: string, accessToken: string, auth: ClientAuth): OAuthRequest {
  return formRequest(url, { token: accessToken, token_type_hint: 'access_token' }, auth);
}

/** Epoch ms the token expires at, or undefined when the endpoint did not say (or failed). Pure. */
function processIntrospectionResponse(res: OAuthResponse): number | undefined {
  if (!res.reached || res.status !== 200) return undefined;
  const body = res.json as { active?: unknown; exp?: unknown } | undefined;
  if (!body || body.active !== true) return undefined;
  const exp = Number(body.exp);
  return Number.isFinite(exp) && exp > 0 ? exp * 1000 : undefined;
}

export async function introspectExpiry(cfg: OAuthRefreshConfig, url: string, accessToken: string, opts: SendOptions): Promise<number | undefined> {
  const auth = clientAuth(cfg.clientAuth, { clientId: cfg.clientId, clientSecret: cfg.clientSecret });
  return processIntrospectionResponse(await sendOAuthRequest(buildIntrospectionRequest(url, accessToken, auth), opts));
}
