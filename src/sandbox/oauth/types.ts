import type { Clock, Random } from '../../core/deps.js';

/** Provider whose wire shapes the fake reproduces (shared/reference/PROVIDERS.md §0–2, §4.1). */
export type OAuthFlavor = 'generic' | 'hubspot' | 'salesforce' | 'zoho';

export interface FakeClient {
  clientId: string;
  /** Undefined → public client (authenticates with client_id only, PKCE expected). */
  clientSecret?: string;
  /** When set, authorize and code exchange only accept these redirect URIs. */
  redirectUris?: string[];
}

/** How clients may authenticate at the token/introspect/revoke endpoints. */
export type ClientAuthMode = 'client_secret_post' | 'client_secret_basic' | 'either';

/** Mutable at runtime (`provider.settings.x = ...`) so a test can flip behaviour mid-flow. */
export interface OAuthSettings {
  /** New refresh token on every refresh; the presented one is consumed. */
  rotateRefreshTokens: boolean;
  /**
   * With rotation: presenting a consumed refresh token is treated as theft — `invalid_grant`
   * and the whole grant (every access and refresh token) is revoked.
   */
  reuseDetection: boolean;
  /** With rotation: the old refresh token keeps working (Microsoft's behaviour). Disables reuse detection. */
  keepOldRefreshTokens: boolean;
  accessTokenTtlSeconds: number;
  /** Leave `expires_in` out of token responses (always out for the salesforce flavor). */
  omitExpiresIn: boolean;
  /** Authorization-code grants must carry PKCE S256 (salesforce default). */
  requirePkce: boolean;
  /** Refresh responses repeat the (unchanged) refresh token when not rotating (hubspot/generic default). */
  returnRefreshTokenOnRefresh: boolean;
  clientAuth: ClientAuthMode;
  /** Authorization codes live this long and are single-use. */
  codeTtlSeconds: number;
  /** What the authorize endpoint answers for the (automatic) consent screen. */
  consent: 'approve' | 'deny';
  /** Salesforce `instance_url` / Zoho `api_domain`; can be set to a tampered value. */
  instanceUrl: string | undefined;
  /** Scope granted when the client asks for none. */
  defaultScope: string;
}

export interface FakeOAuthOptions extends Partial<OAuthSettings> {
  flavor?: OAuthFlavor;
  clients?: FakeClient[];
  clock?: Clock;
  random?: Random;
  /** Public base URL of the login host (used in Salesforce `id`/`sub` URLs). Set by the server wrappers. */
  issuerUrl?: string;
}

export interface SeedGrantOptions {
  clientId?: string;
  scope?: string;
  /** Known values make assertions simple; omitted → random tokens. */
  accessToken?: string;
  /** `null` → a grant without refresh token (client credentials). */
  refreshToken?: string | null;
  accessTokenTtlSeconds?: number;
  /** Mint the access token already expired. */
  expired?: boolean;
}

export interface SeededGrant {
  grantId: string;
  accessToken: string;
  refreshToken: string | undefined;
  /** ms epoch on the injected clock. */
  expiresAt: number;
}

export type AccessTokenState =
  | { state: 'valid'; grantId: string; expiresAt: number; scope: string }
  | { state: 'expired'; grantId: string; expiresAt: number }
  | { state: 'revoked' }
  | { state: 'unknown' };

export interface OAuthStats {
  tokenRequests: number;
  byGrantType: Record<string, number>;
  /** Token requests answered with invalid_grant (or Zoho's invalid_code). */
  invalidGrants: number;
  /** Grants revoked because a consumed refresh token was presented again. */
  reuseRevocations: number;
  authorizeRequests: number;
  introspectRequests: number;
  revokeRequests: number;
  /** Successful token responses (every access token handed out over HTTP). */
  issuedAccessTokens: string[];
}

/** Why a token-endpoint request failed; each flavor maps it to its own wire body. */
export type TokenFailure =
  | 'invalid_client'
  | 'bad_refresh_token'
  | 'bad_code'
  | 'pkce_mismatch'
  | 'pkce_missing'
  | 'redirect_mismatch'
  | 'unsupported_grant_type'
  | 'invalid_request';
