export { startFakeHubSpot } from './server.js';
export type { FakeHubSpot, FakeHubSpotOptions } from './server.js';
export { HubSpotStore } from './store.js';
export type { HsRecord, HsEdge, HubSpotSeed } from './store.js';
export { HubSpotLimiter } from './limits.js';
export type { HubSpotRateLimit } from './limits.js';
export { DEFAULT_PROPERTIES, KNOWN_PROPERTIES, ASSOCIATION_TYPES, DEAL_STAGES, HS_TYPES } from './schema.js';
export type { HsType } from './schema.js';
