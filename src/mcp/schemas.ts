/**
 * Building blocks for tool input/output schemas. Inputs are strict (unknown fields rejected)
 * and bounded; outputs reuse the unified record schemas so the declared output schema and the
 * model cannot drift apart.
 */
import { z } from 'zod';
import { RECORD_SCHEMAS, type UnifiedResource } from '../unified/models.js';

export const MAX_PAGE_SIZE = 100;

export const idInput = z
  .string()
  .min(1, 'id must not be empty')
  .max(128, 'id is at most 128 characters')
  .regex(/^[A-Za-z0-9._:-]+$/, 'id may contain letters, digits, . _ : -');

export const limitInput = z
  .number()
  .int('limit must be a whole number')
  .min(1, 'limit is at least 1')
  .max(MAX_PAGE_SIZE, `limit is at most ${MAX_PAGE_SIZE}`)
  .optional()
  .describe(`Records per page, 1-${MAX_PAGE_SIZE} (default chosen by the CRM, usually 10-20)`);

export const cursorInput = z
  .string()
  .min(1)
  .max(4096, 'cursor is at most 4096 characters')
  .optional()
  .describe('Opaque next_cursor from the previous page; omit for the first page');

export const includeRemoteDataInput = z
  .boolean()
  .optional()
  .describe("Also return the CRM's raw record as remote_data (larger output; only when unified fields are not enough)");

/**
 * zod schemas are immutable once built, but building them is not cheap (zod 4 constructs and
 * checks every member), and stateless HTTP builds a server — 13 tools — per request. The
 * per-resource ones are therefore built once per process.
 */
const built = new Map<string, z.ZodType>();
/** The schema built once per process for `key` (a tool's input, a resource's output, …). */
export function once<T extends z.ZodType>(key: string, make: () => T): T {
  let s = built.get(key) as T | undefined;
  if (!s) built.set(key, (s = make()));
  return s;
}

/** Unified field names a caller may pick with `fields` (id is always returned; deal_ids comes with `include`). */
export function fieldNames(resource: UnifiedResource): [string, ...string[]] {
  const names = Object.keys(RECORD_SCHEMAS[resource].shape).filter((k) => k !== 'id' && k !== 'remote_data' && k !== 'deal_ids');
  return names as [string, ...string[]];
}

const FILTER_NOUN: Record<string, string> = { contact_id: 'contact', company_id: 'company', deal_id: 'deal' };

/** Association filters of a list tool (`contact_id`, …), those the CRM honours only. */
export function filterInputs(filters: readonly string[], plural: string): Partial<Record<'contact_id' | 'company_id' | 'deal_id', z.ZodOptional<z.ZodString>>> {
  return Object.fromEntries(filters.map((f) => [f, idInput.optional().describe(`Only ${plural} linked to this ${FILTER_NOUN[f] ?? f} id`)]));
}

export function fieldsInput(resource: UnifiedResource) {
  return once(`fields:${resource}`, () =>
    z
      .array(z.enum(fieldNames(resource)))
      .min(1)
      .max(fieldNames(resource).length)
      .optional()
      .describe('Only return these unified fields (id is always included); omit for all'),
  );
}

export const RateLimitOutput = z
  .object({
    limit: z.number().nullable(),
    remaining: z.number().nullable(),
    reset_seconds: z.number().nullable(),
  })
  .describe('The CRM API rate limit after this call; null where the CRM did not say');

/**
 * A record as returned: only `id` is guaranteed (callers may pick `fields`), the rest is the
 * unified model.
 */
export function recordSchema(resource: UnifiedResource) {
  return once(`record:${resource}`, () => RECORD_SCHEMAS[resource].partial().extend({ id: z.string() }));
}

export const ErrorOutput = z
  .object({
    code: z.string().describe('rate_limited | needs_reauth | validation | not_found | provider_unavailable | transient_auth | ...'),
    message: z.string(),
    retry_after_seconds: z.number().optional().describe('rate_limited: wait this long before calling again'),
    reconnect_url: z.string().optional().describe('needs_reauth: where a person re-authorizes the CRM connection'),
    fields: z.array(z.string()).optional().describe('validation: the offending fields'),
    provider_code: z.string().optional(),
    status: z.number().optional(),
  })
  .describe('Present only on error results (isError: true)');

/*
 * Output schemas are one object for success and error results alike: MCP clients (the SDK's
 * included) validate structuredContent against the output schema even when isError is set, and
 * an output schema must be a single object type. Success results always carry the record key(s).
 */
export function listOutput(resource: UnifiedResource) {
  return once(`list:${resource}`, () =>
    z.object({
      [resource]: z.array(recordSchema(resource)).optional().describe(`The page of ${resource} (absent on error)`),
      next_cursor: z.string().nullable().optional().describe('Pass as cursor to get the next page; null when this was the last page'),
      rate_limit: RateLimitOutput,
      error: ErrorOutput.optional(),
    }),
  );
}

export function recordOutput(resource: UnifiedResource, key: string) {
  return once(`record-output:${resource}:${key}`, () =>
    z.object({
      [key]: recordSchema(resource).optional().describe(`The ${key} (absent on error)`),
      rate_limit: RateLimitOutput,
      error: ErrorOutput.optional(),
    }),
  );
}
