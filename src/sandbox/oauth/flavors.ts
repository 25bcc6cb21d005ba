/**
 * Per-provider wire shapes of token-endpoint answers. Bodies marked "verified"/"observed" follow
 * shared/reference/PROVIDERS.md exactly; the rest (noted inline) are plausible but unverified.
 */
import type { Reply } from '../http.js';
import type { OAuthFlavor, TokenFailure } from './types.js';

type Body = Record<string, unknown>;

function rfc(status: number, error: string, description: string, headers?: Record<string, string>): Reply {
  return { status, json: { error, error_description: description }, ...(headers ? { headers } : {}) };
}

function hubspot(error: string, status: string, message: string): Reply {
  return { status: 400, json: { error, error_description: message, status, message } };
}

export function tokenFailureReply(flavor: OAuthFlavor, f: TokenFailure, usedBasic: boolean): Reply {
  switch (flavor) {
    case 'salesforce':
      switch (f) {
        case 'invalid_client':
          return rfc(400, 'invalid_client', 'invalid client credentials');
        case 'bad_refresh_token':
          return rfc(400, 'invalid_grant', 'expired access/refresh token');
        case 'bad_code':
          return rfc(400, 'invalid_grant', 'invalid authorization code'); // description unverified
        case 'pkce_mismatch':
          return rfc(400, 'invalid_request', 'invalid code verifier'); // code verified, description unverified
        case 'pkce_missing':
          return rfc(400, 'invalid_grant', 'invalid code verifier'); // code verified, description unverified
        case 'redirect_mismatch':
          return rfc(400, 'invalid_grant', 'redirect_uri must match configuration');
        case 'unsupported_grant_type':
          return rfc(400, 'unsupported_grant_type', 'grant type not supported');
        case 'invalid_request':
          return rfc(400, 'invalid_request', 'missing required parameter');
      }
      break;
    case 'hubspot':
      // Only BAD_REFRESH_TOKEN is verified; the other status names follow HubSpot's pattern (unverified).
      switch (f) {
        case 'bad_refresh_token':
          return hubspot('invalid_grant', 'BAD_REFRESH_TOKEN', 'refresh token is invalid, expired or revoked');
        case 'invalid_client':
          return hubspot('invalid_client', 'BAD_CLIENT_ID', 'missing or unknown client id');
        case 'bad_code':
        case 'pkce_mismatch':
        case 'pkce_missing':
          return hubspot('invalid_grant', 'BAD_AUTH_CODE', 'missing or unknown auth code');
        case 'redirect_mismatch':
          return hubspot('invalid_grant', 'BAD_REDIRECT_URI', 'redirect_uri does not match');
        case 'unsupported_grant_type':
          return hubspot('unsupported_grant_type', 'BAD_GRANT_TYPE', 'unsupported grant type');
        case 'invalid_request':
          return hubspot('invalid_request', 'BAD_REQUEST', 'missing required parameter');
      }
      break;
    case 'zoho':
      // Zoho answers token errors with HTTP 200 (verified for invalid_code).
      switch (f) {
        case 'bad_refresh_token':
        case 'bad_code':
        case 'pkce_mismatch':
        case 'pkce_missing':
        case 'redirect_mismatch':
          return { status: 200, json: { error: 'invalid_code' } };
        default:
          return { status: 200, json: { error: f } };
      }
    case 'generic':
      switch (f) {
        case 'invalid_client':
          return rfc(401, 'invalid_client', 'client authentication failed', usedBasic ? { 'www-authenticate': 'Basic realm="fake-oauth"' } : undefined);
        case 'bad_refresh_token':
          return rfc(400, 'invalid_grant', 'refresh token is invalid, expired or revoked');
        case 'bad_code':
          return rfc(400, 'invalid_grant', 'authorization code is invalid, expired or already used');
        case 'pkce_mismatch':
          return rfc(400, 'invalid_grant', 'PKCE verification failed');
        case 'pkce_missing':
          return rfc(400, 'invalid_request', 'code_verifier required');
        case 'redirect_mismatch':
          return rfc(400, 'invalid_grant', 'redirect_uri mismatch');
        case 'unsupported_grant_type':
          return rfc(400, 'unsupported_grant_type', 'grant type not supported');
        case 'invalid_request':
          return rfc(400, 'invalid_request', 'missing required parameter');
      }
  }
  return rfc(400, 'invalid_request', 'bad request');
}

export interface IssuedTokens {
  accessToken: string;
  /** Present when the response must carry a refresh token. */
  refreshToken: string | undefined;
  scope: string;
  ttlSeconds: number;
  omitExpiresIn: boolean;
  issuedAt: number;
  instanceUrl: string | undefined;
  issuerUrl: string;
  clientSecret: string | undefined;
  orgId: string;
  userId: string;
  hubId: number;
  /** HubSpot v3/date-versioned endpoints add token_use etc. */
  hubspotV3: boolean;
}

export function tokenSuccessBody(flavor: OAuthFlavor, t: IssuedTokens, signature: string): Body {
  const rt = t.refreshToken === undefined ? {} : { refresh_token: t.refreshToken };
  const exp = t.omitExpiresIn ? {} : { expires_in: t.ttlSeconds };
  switch (flavor) {
    case 'hubspot':
      return {
        token_type: 'bearer',
        ...rt,
        access_token: t.accessToken,
        ...exp,
        ...(t.hubspotV3 ? { token_use: 'access_token', hub_id: t.hubId, user_id: Number(t.userId.replace(/\D/g, '').slice(0, 9) || '1'), scopes: t.scope.split(/\s+/).filter(Boolean) } : {}),
      };
    case 'salesforce':
      // No expires_in, ever (verified by absence); issued_at is a ms-epoch string.
      return {
        access_token: t.accessToken,
        ...rt,
        signature,
        scope: t.scope,
        instance_url: t.instanceUrl,
        id: `${t.issuerUrl}/id/${t.orgId}/${t.userId}`,
        token_type: 'Bearer',
        issued_at: String(t.issuedAt),
      };
    case 'zoho':
      return {
        access_token: t.accessToken,
        ...rt,
        scope: t.scope,
        api_domain: t.instanceUrl ?? 'https://www.zohoapis.com',
        token_type: 'Bearer',
        ...exp,
      };
    case 'generic':
      return { access_token: t.accessToken, token_type: 'Bearer', ...exp, ...rt, scope: t.scope };
  }
}

export interface FlavorDefaults {
  accessTokenTtlSeconds: number;
  omitExpiresIn: boolean;
  requirePkce: boolean;
  returnRefreshTokenOnRefresh: boolean;
  codeTtlSeconds: number;
  defaultScope: string;
  /** Revoking a refresh token also kills its access tokens (HubSpot: it does not — verified). */
  revokeRefreshKillsAccess: boolean;
  tokenPrefix: string;
}

export function flavorDefaults(flavor: OAuthFlavor): FlavorDefaults {
  switch (flavor) {
    case 'hubspot':
      return { accessTokenTtlSeconds: 1800, omitExpiresIn: false, requirePkce: false, returnRefreshTokenOnRefresh: true, codeTtlSeconds: 600, defaultScope: 'oauth crm.objects.contacts.read crm.objects.contacts.write', revokeRefreshKillsAccess: false, tokenPrefix: 'CJ' };
    case 'salesforce':
      return { accessTokenTtlSeconds: 7200, omitExpiresIn: true, requirePkce: true, returnRefreshTokenOnRefresh: false, codeTtlSeconds: 900, defaultScope: 'api refresh_token', revokeRefreshKillsAccess: true, tokenPrefix: '00D5g000004FAKE!AQ' };
    case 'zoho':
      return { accessTokenTtlSeconds: 3600, omitExpiresIn: false, requirePkce: false, returnRefreshTokenOnRefresh: false, codeTtlSeconds: 120, defaultScope: 'ZohoCRM.modules.ALL', revokeRefreshKillsAccess: true, tokenPrefix: '1000.' };
    case 'generic':
      return { accessTokenTtlSeconds: 3600, omitExpiresIn: false, requirePkce: false, returnRefreshTokenOnRefresh: true, codeTtlSeconds: 600, defaultScope: 'read write', revokeRefreshKillsAccess: true, tokenPrefix: 'at_' };
  }
}
