export { createEngine, type EngineOptions } from './engine.js';
export { normalizeRateLimit, toIetfHeaders, parseRetryAfter, type HeaderBag } from './rate-limit.js';
export { encodeCursor, decodeCursor, type CursorState } from './cursor.js';
export { buildRequest, renderTemplate, publicContext, requestedFields, type BuiltRequest, type BuildArgs } from './request.js';
export { classifyError, mapRecord, extractRecords, extractRecord, nextPage, parseBody, type RawResponse, type ClassifiedError, type MapOptions } from './response.js';
export type { Engine, EngineRequest, EngineResult, EngineError, EngineErrorCode, RateLimitInfo, RateLimitHeaders } from './types.js';
