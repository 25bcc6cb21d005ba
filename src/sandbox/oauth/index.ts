export { FakeOAuthProvider, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET } from './provider.js';
export type { AuthCode } from './provider.js';
export { handleAuthorize, handleIntrospect, handleRevoke, handleHubSpotLegacyDelete, handleHubSpotAccessTokenInfo } from './endpoints.js';
export { startFakeOAuthServer, routeOAuth } from './server.js';
export type { FakeOAuthServer } from './server.js';
export { tokenFailureReply, tokenSuccessBody, flavorDefaults } from './flavors.js';
export type {
  OAuthFlavor, FakeClient, ClientAuthMode, OAuthSettings, FakeOAuthOptions, SeedGrantOptions, SeededGrant,
  AccessTokenState, OAuthStats, TokenFailure,
} from './types.js';
