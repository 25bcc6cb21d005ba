export { OAuthClientEntrySchema, OAuthClientsConfigSchema, envVarNames } from './config.js';
export type { OAuthClientEntry, OAuthClientsConfig } from './config.js';
export { createOAuthClientStore, OAUTH_CLIENT_PREFIX } from './store.js';
export type { OAuthClientStore } from './store.js';
export { createOAuthClientResolver } from './resolve.js';
export type { OAuthClientResolver, ResolvedOAuthClient } from './resolve.js';
