/**
 * Building blocks for tool input/output schemas. Inputs are strict (unknown fields rejected)
 * and bounded; outputs reuse the unified record schemas so the declared output schema and the
 * model cannot drift apart.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { AccountSchemaFacts } from '../engine/types.js';
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
    z.string().min(1, 'id must not be empty').max(128, 'id is at most 128 characters')
      // A refinement, not a JSON Schema pattern: checked the same, but not repeated in every tools/list.
      .refine((s) => /^[A-Za-z0-9._:-]+$/.test(s), 'id may contain letters, digits, . _ : -'),
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
  .describe('Page size');

export const cursorInput = z
  .string()
  .min(1)
  .max(4096, 'cursor is at most 4096 characters')
  .optional()
  .describe('next_cursor of the previous page');

export const includeRemoteDataInput = z
  .boolean()
  .optional()
  .describe("Add the CRM's raw record");

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

/*
 * Per-account schemas: what an account's overrides add (typed custom fields) and what a fresh
 * discovery knows (deal stages) on top of the shared schemas above. An account with neither uses the
 * shared schemas unchanged; the others are built once per process per identity.
 */

type CustomFieldFacts = NonNullable<AccountSchemaFacts['custom_fields'][UnifiedResource]>;
type CustomFieldFact = CustomFieldFacts[string];

/** Identity of what an account adds to the shared tool schemas; '' when nothing (the shared schemas apply). */
export function accountSchemaIdentity(facts: AccountSchemaFacts | undefined): string {
  const custom = Object.entries(facts?.custom_fields ?? {}).filter(([, c]) => c && Object.keys(c).length > 0);
  const stages = facts?.stages?.map((s) => `${s.pipeline ?? ''}/${s.id}`) ?? [];
  if (custom.length === 0 && stages.length === 0) return '';
  return createHash('sha256').update(JSON.stringify([custom, stages])).digest('base64url').slice(0, 22);
}

function customType(c: CustomFieldFact): z.ZodType {
  switch (c.type) {
    case 'string': return z.string();
    case 'number': return z.number();
    case 'integer': return z.number().int();
    case 'boolean': return z.boolean();
    case 'date': return z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date is YYYY-MM-DD');
    case 'datetime': return z.string().describe('ISO-8601');
    default: return z.unknown();
  }
}

function customNote(key: string, c: CustomFieldFact): string {
  const opts = c.options?.length ? `; one of: ${c.options.slice(0, 20).join(', ')}${c.options.length > 20 ? ', …' : ''}` : '';
  return `${key}${c.description ? `: ${c.description}` : ''}${opts}`;
}

/** Write side: keys are the CRM's own field names (what create/update pass through), other CRM fields still allowed. */
function customWriteInput(custom: CustomFieldFacts) {
  const typed = Object.entries(custom).filter(([, c]) => c.field);
  return z
    .object(Object.fromEntries(typed.map(([k, c]) => [c.field as string, customType(c).optional().describe(customNote(k, c))])))
    .catchall(z.unknown())
    .optional()
    .describe(`CRM fields to set, by the CRM's own names; this account's custom fields: ${typed.map(([k, c]) => `${c.field} (${k})`).join(', ')}`);
}

/** Read side: keys are the override's keys; null when a record has no value. */
function customReadOutput(custom: CustomFieldFacts) {
  return z
    .object(Object.fromEntries(Object.entries(custom).map(([k, c]) => [k, customType(c).nullable().optional().describe(customNote(c.field ?? k, c))])))
    .catchall(z.unknown())
    .optional()
    .describe("This account's custom fields, by key");
}

function stageInput(stages: NonNullable<AccountSchemaFacts['stages']>) {
  const shown = stages.slice(0, 60).map((s) => (s.label && s.label !== s.id ? `${s.id} (${s.label})` : s.id));
  const pipelines = new Set(stages.map((s) => s.pipeline));
  const where = pipelines.size > 1 ? ' (each pipeline has its own; describe_crm lists them)' : '';
  return z
    .string()
    .max(255)
    .optional()
    .describe(`One of this account's stage values${where}: ${shown.join(', ')}${stages.length > 60 ? ', …' : ''}. Pass the value, not the label.`);
}

/** The account's input schema of a unified tool: typed custom_fields and described stage on writes. */
export function accountInputSchema<I extends z.ZodObject>(tool: string, schema: I, resource: UnifiedResource, facts: AccountSchemaFacts | undefined): I {
  const id = accountSchemaIdentity(facts);
  const custom = facts?.custom_fields[resource];
  const stages = resource === 'deals' ? facts?.stages : undefined;
  const add = {
    ...(custom && 'custom_fields' in schema.shape ? { custom_fields: customWriteInput(custom) } : {}),
    ...(stages?.length && 'stage' in schema.shape ? { stage: stageInput(stages) } : {}),
  };
  if (!id || Object.keys(add).length === 0) return schema;
  return once(`${tool}:input:${id}`, () => schema.safeExtend(add) as unknown as I);
}

const unwrap = (s: z.ZodType): z.ZodType => (s instanceof z.ZodOptional ? (s.unwrap() as z.ZodType) : s);
// A returned record's schema (recordSchema: `id` plus the unified fields as catchall).
const isRecord = (s: z.ZodType): s is z.ZodObject => s instanceof z.ZodObject && 'id' in s.shape;

/** The account's output schema of a unified tool: the returned records' custom_fields typed by key. */
export function accountOutputSchema(tool: string, schema: z.ZodObject, resource: UnifiedResource, facts: AccountSchemaFacts | undefined): z.ZodObject {
  const id = accountSchemaIdentity(facts);
  const custom = facts?.custom_fields[resource];
  if (!id || !custom) return schema;
  return once(`${tool}:output:${id}`, () => {
    const shape: Record<string, z.ZodType> = { ...(schema.shape as Record<string, z.ZodType>) };
    for (const [k, v] of Object.entries(shape)) {
      const inner = unwrap(v);
      const typed = (o: z.ZodObject) => o.extend({ custom_fields: customReadOutput(custom) });
      if (inner instanceof z.ZodArray && isRecord(inner.element as z.ZodType)) shape[k] = z.array(typed(inner.element as z.ZodObject)).optional().describe(v.description ?? k);
      else if (isRecord(inner)) shape[k] = typed(inner).optional().describe(v.description ?? k);
    }
    return z.object(shape);
  });
}
