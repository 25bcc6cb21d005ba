/**
 * Building blocks for tool input/output schemas. Inputs are strict (unknown fields rejected)
 * and bounded; outputs reuse the unified record schemas so the declared output schema and the
 * model cannot drift apart.
 */
import { z } from 'zod';
import { RECORD_SCHEMAS, type UnifiedResource } from '../unified/models.js';

export const MAX_PAGE_SIZE = 100;

/** A non-negative whole number, shown to clients as plain `{"type": "integer"}` (zod would add the safe-integer bounds). */
const wholeNumber = () => z.number().int('expected a string or a whole number').nonnegative('must not be negative').meta({ minimum: undefined, maximum: undefined });

/**
 * A record id. Unified ids are strings, but LLMs and the Inspector send numeric-looking ids as
 * numbers (`id: 300002`): a whole number is taken as its decimal string, never refused. Each
 * branch has a single `type` (anyOf), which every client dialect can express.
 */
export const idInput = z
  .union([
    z.string().min(1, 'id must not be empty').max(128, 'id is at most 128 characters').regex(/^[A-Za-z0-9._:-]+$/, 'id may contain letters, digits, . _ : -'),
    wholeNumber(),
  ], { error: (iss) => (iss.code === 'invalid_union' ? 'Invalid input: expected a string or a whole number' : undefined) })
  .transform(String);

/** An id inside a write payload (owner, company, linked records): a string or a whole number, as text. */
export function idRef(max = 64) {
  return z
    .union([z.string().max(max, `at most ${max} characters`), wholeNumber()], { error: (iss) => (iss.code === 'invalid_union' ? 'Invalid input: expected a string or a whole number' : undefined) })
    .transform(String);
}

export const limitInput = z
  .number()
  .int('limit must be a whole number')
  .min(1, 'limit is at least 1')
  .max(MAX_PAGE_SIZE, `limit is at most ${MAX_PAGE_SIZE}`)
  .optional()
  .describe('Records per page (default set by the CRM)');

export const cursorInput = z
  .string()
  .min(1)
  .max(4096, 'cursor is at most 4096 characters')
  .optional()
  .describe('next_cursor of the previous page');

export const includeRemoteDataInput = z
  .boolean()
  .optional()
  .describe("Also return the CRM's raw record (remote_data)");

export function responseFormatInput(fallback: 'concise' | 'detailed') {
  return once(`response_format:${fallback}`, () =>
    z
      .enum(['concise', 'detailed'])
      .optional()
      .describe(fallback === 'concise' ? 'concise (default): a text line per record; detailed: plus JSON' : 'detailed (default): text has the JSON; concise: one line'),
  );
}

export const idempotencyKeyInput = z
  .string()
  .min(1)
  .max(255)
  .optional()
  .describe('Retry-safe key: a repeat with the same arguments returns the first result, written once (24 h)');

export const dryRunInput = z.boolean().optional().describe('Only show the request that would be sent');

/**
 * Values of `custom_fields` on write: the CRM's own field names with scalar values (CRM
 * multi-selects are `;`-joined strings). Typed, so the schema has no bare `{}` subschema.
 */
export const customFieldsInput = z
  .object({})
  .catchall(z.union([z.string().max(65_536), z.number(), z.boolean(), z.null()]))
  .optional()
  .describe("The CRM's own field names and values, sent unchanged");

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

const portables = new WeakMap<z.ZodType, z.ZodType>();
/**
 * The schema as clients should see it: without the `$schema` draft-07 declaration the SDK's
 * converter adds. Every keyword used here means the same in draft-07 and 2020-12 (the MCP
 * default dialect), so no declaration is needed; leaving it out saves ~50 bytes per schema.
 */
export function portable<T extends z.ZodType>(schema: T): T {
  let p = portables.get(schema) as T | undefined;
  if (!p) portables.set(schema, (p = schema.meta({ $schema: undefined }) as T));
  return p;
}

/** Unified field names a caller may pick with `fields` (id is always returned). */
export function fieldNames(resource: UnifiedResource): [string, ...string[]] {
  const names = Object.keys(RECORD_SCHEMAS[resource].shape).filter((k) => k !== 'id' && k !== 'remote_data');
  return names as [string, ...string[]];
}

export function fieldsInput(resource: UnifiedResource) {
  return once(`fields:${resource}`, () =>
    z
      .array(z.enum(fieldNames(resource)))
      .min(1)
      .max(fieldNames(resource).length)
      .optional()
      .describe('Return only these fields (id always)'),
  );
}

/*
 * Output schemas are deliberately small: tools/list is read by every client (and by the model,
 * for clients that show it), and the record shapes are the unified model's, documented once in
 * integrations/MODEL.md. Each one is a portable subset of JSON Schema: single `type` per node (no
 * type arrays), no bare `{}`/`true` subschemas, no remote refs — what the MCP Inspector's
 * schema-portability check accepts without a finding.
 */
/** `{"type": "object"}` accepting any members (no `properties: {}` or bare `{}` subschema in the JSON Schema). */
const openObject = () => z.object({}).catchall(z.unknown()).meta({ additionalProperties: undefined, properties: undefined });

/** The CRM API rate limit after the call: limit, remaining, reset_seconds (null where the CRM did not say). */
export const RateLimitOutput = openObject();

/** A record as returned: only `id` is guaranteed (callers may pick `fields`); the unified model's fields (integrations/MODEL.md) beside it. */
export function recordSchema(resource: UnifiedResource) {
  return once(`record:${resource}`, () => z.object({ id: z.string() }).catchall(z.unknown()).meta({ additionalProperties: undefined }));
}

/** Only on error results: code, message, and fields / retry_after_seconds / reconnect_url where they apply (results.ts ToolError). */
export const ErrorOutput = openObject();

/** What `dry_run: true` returns instead of a record: the provider request that would be sent. */
export const DryRunOutput = openObject();

/*
 * Output schemas are one object for success and error results alike: MCP clients (the SDK's
 * included) validate structuredContent against the output schema even when isError is set, and
 * an output schema must be a single object type. Success results always carry the record key(s).
 */
export function listOutput(resource: UnifiedResource) {
  return once(`list:${resource}`, () =>
    z.object({
      [resource]: z.array(recordSchema(resource)).optional(),
      next_cursor: z.union([z.string().min(1), z.null()]).optional(),
      rate_limit: RateLimitOutput,
      error: ErrorOutput.optional(),
    }),
  );
}

export function recordOutput(resource: UnifiedResource, key: string, opts: { write?: boolean } = {}) {
  return once(`record-output:${resource}:${key}:${opts.write ? 'w' : 'r'}`, () =>
    z.object({
      [key]: recordSchema(resource).optional(),
      ...(opts.write ? { dry_run: DryRunOutput.optional() } : {}),
      rate_limit: RateLimitOutput,
      error: ErrorOutput.optional(),
    }),
  );
}
