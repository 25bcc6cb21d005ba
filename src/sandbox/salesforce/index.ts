export { startFakeSalesforce, ApiUsage } from './server.js';
export type { FakeSalesforce, FakeSalesforceOptions } from './server.js';
export { SalesforceStore, OPPORTUNITY_STAGES } from './store.js';
export type { SfRecord, SalesforceSeed } from './store.js';
export { FIELDS, KEY_PREFIX, SF_TYPES, makeId, to18, sfDateTime } from './schema.js';
export type { SfType, FieldDef, FieldType } from './schema.js';
export { parseSoql, SoqlError } from './soql.js';
export type { SoqlQuery } from './soql.js';
