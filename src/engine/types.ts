/**
 * What the execution engine returns to its callers (MCP tools, the connect flow's validation
 * call, import --verify, the demo). Provider outcomes are data, not exceptions: the engine
 * never retries or waits on throttling; it reports it.
 */
import type { LinkedAccount } from '../accounts/model.js';
import type { IncludeName } from '../integrations/schema.js';
import type { UnifiedMethod, UnifiedResource } from '../unified/models.js';

/** One provider rate-limit policy (an IETF quota policy and its current service limit). */
export interface RateLimitPolicy {
  /** The provider's name for it (IETF item name, 'TEN_SECONDLY_ROLLING', 'api-usage'…); null when unnamed. */
  name: string | null;
  limit: number | null;
  remaining: number | null;
  /** Seconds within which no more than `remaining` may be used (IETF `t`). */
  reset_seconds: number | null;
  /** Length of the policy's window in seconds (IETF `w`). */
  window_seconds?: number | null;
  /** Quota unit when not requests (IETF `qu`, e.g. 'content-bytes'). */
  unit?: string;
  /** IETF partition key, base64. */
  partition_key?: string;
}

/**
 * Provider rate-limit figures, normalized. Any field the provider did not send is null. With
 * several policies the top-level figures are the most constraining one's, and `policies` lists all.
 */
export interface RateLimitInfo {
  limit: number | null;
  remaining: number | null;
  /** Seconds until the window resets. */
  reset_seconds: number | null;
  /** Seconds to wait, present only when throttled. */
  retry_after_seconds?: number | null;
  /** Which provider policy the figures describe (e.g. 'TEN_SECONDLY_ROLLING', 'api-usage'). */
  policy?: string | null;
  /** Every policy the provider reported. */
  policies?: RateLimitPolicy[];
}

/**
 * IETF names as carried in tool `_meta` and HTTP headers: the structured `RateLimit` and
 * `RateLimit-Policy` fields (draft-ietf-httpapi-ratelimit-headers, every policy) and, for
 * clients of the older drafts, the most constraining policy as `RateLimit-Limit/-Remaining/-Reset`.
 */
export interface RateLimitHeaders {
  ratelimit?: string;
  'ratelimit-policy'?: string;
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
  /** A mapping expression broke an evaluation bound (steps, depth, size, memory): that call only. */
  | 'mapping_bound'
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
  /** list/search: lists to fill for each record with one more call per page (the definition's `includes`). */
  include?: IncludeName[];
  signal?: AbortSignal;
  /**
   * create/update: the same key with the same request replays the stored result without a
   * provider request (24 h, shared by every replica on the store); a different request under
   * the same key is a `validation` error.
   */
  idempotencyKey?: string;
  /** create/update: build the provider request and return it instead of sending it. */
  dryRun?: boolean;
}

/** A write request as `dryRun` shows it: credentials (auth header, API-key parameter) left out. */
export interface DryRunRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: unknown;
  /** Set when the write is followed by a re-read (`then_get`), which dry_run does not show. */
  then_get?: boolean;
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
      /** A `dryRun` write: the request that would have been sent (no credentials); `data` is null. */
      dry_run?: DryRunRequest;
      /** The stored result of an earlier call with the same idempotency key; nothing was sent. */
      replayed?: boolean;
      /** The account's access token was refreshed on demand during this call (the fact only, never the token). */
      token_refreshed?: boolean;
    }
  | { ok: false; error: EngineError; rate_limit: RateLimitInfo | null; provider_requests: number; token_refreshed?: boolean };

/** One (resource, method) pair an integration supports, with what tool descriptions may say about it. */
export interface Capability {
  resource: UnifiedResource;
  method: UnifiedMethod;
  /** Unified fields the CRM requires on this write (the definition's `required`). */
  required?: string[];
  /** Unified fields this write refuses because the CRM cannot store them (the definition's `refuse`). */
  refused?: string[];
  /** list: the association filters this CRM honours. */
  filters?: string[];
  /** list/search: the lists `include` may ask for (the definition's `includes`). */
  includes?: string[];
  /** What this CRM does differently here, for the tool description (the definition's `note`s). */
  note?: string;
}

/** One of the CRM's own fields as its API describes it (type in the CRM's terms: enumeration, picklist, number, …). */
export interface DiscoveredField {
  name: string;
  label: string | null;
  type: string;
  options?: Array<{ value: string; label: string }>;
  /** Created by the customer, not shipped by the CRM. */
  custom?: boolean;
  read_only?: boolean;
}

/** A pipeline and its stages in the CRM's order; `id` null when the CRM has no pipeline id (Salesforce). */
export interface DiscoveredPipeline {
  id: string | null;
  label: string;
  stages: Array<{ id: string; label: string }>;
}

export interface ObjectDescription {
  resource: UnifiedResource;
  /** The custom fields the account's overrides declare, by key. */
  custom_fields: Record<string, { field?: string; type?: string; description?: string }>;
  /** Absent when the definition declares no discovery for this object. */
  properties?: DiscoveredField[];
  pipelines?: DiscoveredPipeline[];
  /** Discovery of this object failed (the rest of the description still holds). */
  error?: EngineError;
}

export interface CrmDescription {
  integration: string;
  display_name: string;
  objects: ObjectDescription[];
  /** When the provider was asked (ISO-8601, injected clock). */
  fetched_at: string;
}

export type DescribeResult =
  | { ok: true; data: CrmDescription; cached: boolean; rate_limit: RateLimitInfo | null; provider_requests: number; token_refreshed?: boolean }
  | { ok: false; error: EngineError; rate_limit: RateLimitInfo | null; provider_requests: number };

/** What an account's tool schemas depend on beyond the unified model (no I/O to compute). */
export interface AccountSchemaFacts {
  /** Per resource, the custom fields the account's overrides declare (type from the override, else from a fresh discovery). */
  custom_fields: Partial<Record<UnifiedResource, Record<string, { field?: string; type?: string; description?: string; options?: string[] }>>>;
  /** Deal stages the CRM accepts, in order, when a fresh cached discovery knows them. */
  stages?: Array<{ id: string; label: string; pipeline: string | null }>;
}

export interface Engine {
  /** Which (resource, method) pairs the account's integration supports, after overrides. */
  capabilities(account: LinkedAccount): Promise<Capability[]>;
  execute(req: EngineRequest): Promise<EngineResult>;
  /** The CRM's objects, fields and pipelines (discovered live, cached per account for a TTL; `refresh` skips the cache). */
  describe(account: LinkedAccount, opts?: { refresh?: boolean; signal?: AbortSignal }): Promise<DescribeResult>;
  /** Custom fields and known stages for the account's tool schemas; never calls the provider. */
  schemaFacts(account: LinkedAccount): AccountSchemaFacts;
}
