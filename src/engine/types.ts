/**
 * What the execution engine returns to its callers (MCP tools, the connect flow's validation
 * call, import --verify, the demo). Provider outcomes are data, not exceptions: the engine
 * never retries or waits on throttling; it reports it.
 */
import type { LinkedAccount } from '../accounts/model.js';
import type { UnifiedMethod, UnifiedResource } from '../unified/models.js';

/** Provider rate-limit figures, normalized. Any field the provider did not send is null. */
export interface RateLimitInfo {
  limit: number | null;
  remaining: number | null;
  /** Seconds until the window resets. */
  reset_seconds: number | null;
  /** Seconds to wait, present only when throttled. */
  retry_after_seconds?: number | null;
  /** Which provider policy the figures describe (e.g. 'TEN_SECONDLY_ROLLING', 'daily'). */
  policy?: string | null;
}

/** IETF names (draft-ietf-httpapi-ratelimit-headers) as carried in tool `_meta` and HTTP headers. */
export interface RateLimitHeaders {
  'ratelimit-limit'?: string;
  'ratelimit-remaining'?: string;
  'ratelimit-reset'?: string;
  'retry-after'?: string;
}

export type EngineErrorCode =
  | 'rate_limited'
  | 'needs_reauth'
  | 'validation'
  | 'not_found'
  | 'provider_unavailable'
  | 'transient_auth'
  | 'unsupported'
  | 'mapping_failed'
  /** A mapping expression exceeded its time/depth bound (that call only). */
  | 'mapping_timeout'
  | 'host_not_allowed'
  | 'provider_error'
  /** A fault of this server (store, keys, configuration), not of the provider: see core/error-table.ts. */
  | 'internal';

export interface EngineError {
  code: EngineErrorCode;
  /** Safe for an LLM and a log: never contains a secret. */
  message: string;
  /** Provider's status code, when a provider answered. */
  status?: number;
  /** Provider's own error code (e.g. 'REQUIRED_FIELD_MISSING', 'VALIDATION_ERROR'). */
  provider_code?: string;
  /** Offending field names, for validation errors. */
  fields?: string[];
  retry_after_seconds?: number;
}

export interface EngineRequest {
  account: LinkedAccount;
  resource: UnifiedResource;
  method: UnifiedMethod;
  /** For get/update: the record id. */
  id?: string;
  /** For create/update: the unified write payload (already validated). For list/search: filters. */
  input?: Record<string, unknown>;
  /** List paging. `cursor` is the opaque value returned as `next_cursor`. */
  limit?: number;
  cursor?: string;
  /** Include the provider's raw record as `remote_data`. */
  includeRemoteData?: boolean;
  /** Restrict returned unified fields (id is always returned). */
  fields?: string[];
  signal?: AbortSignal;
}

export type EngineResult =
  | {
      ok: true;
      /** One unified record (get/create/update) or a page of them (list/search). */
      data: Record<string, unknown> | Array<Record<string, unknown>> | null;
      next_cursor?: string | null;
      rate_limit: RateLimitInfo | null;
      /** Number of HTTP requests this call made to the provider (incl. a refresh-and-retry). */
      provider_requests: number;
    }
  | { ok: false; error: EngineError; rate_limit: RateLimitInfo | null; provider_requests: number };

export interface Engine {
  /** Which (resource, method) pairs the account's integration supports, after overrides. */
  capabilities(account: LinkedAccount): Promise<Array<{ resource: UnifiedResource; method: UnifiedMethod }>>;
  execute(req: EngineRequest): Promise<EngineResult>;
}
