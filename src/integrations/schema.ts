/**
 * The integration definition format: one source of truth. Types come from `z.infer`;
 * integrations/schema.json is generated from `DefinitionSchema` (see json-schema.ts).
 * Every string documented as "JSONata" is compiled at load time, so a typo fails the load
 * with the file path and the field path, never a tool call.
 */
import { z } from 'zod';
import { UNIFIED_METHODS, UNIFIED_RESOURCES } from '../unified/models.js';

const jsonata = (what: string) => z.string().min(1).describe(`JSONata: ${what}`);
const hostPattern = z
  .string()
  .regex(/^(\*\.)?[A-Za-z0-9.-]+(:\d+)?$/, 'host pattern must be a host name, optionally prefixed with "*."')
  .describe('Exact host, or *.suffix matching one or more labels before the suffix');

/** Token-endpoint body matcher: every present key must match the body (status optional). */
export const TokenErrorMatcherSchema = z
  .object({
    status: z.array(z.number().int()).optional().describe('HTTP statuses this matcher applies to (any when absent)'),
    error: z.array(z.string()).optional().describe('Values of the body field `error`'),
    body_status: z.array(z.string()).optional().describe('Values of the body field `status` (HubSpot BAD_REFRESH_TOKEN)'),
  })
  .strict();
export type TokenErrorMatcher = z.infer<typeof TokenErrorMatcherSchema>;

export const TokenErrorHintsSchema = z
  .object({
    revoked: z.array(TokenErrorMatcherSchema).default([]).describe('Bodies meaning the grant is dead → needs_reauth'),
    misconfigured: z.array(TokenErrorMatcherSchema).default([]).describe('Bodies meaning the OAuth client is wrong (invalid_client)'),
  })
  .strict();
export type TokenErrorHints = z.infer<typeof TokenErrorHintsSchema>;

export const ContextCaptureSchema = z
  .object({
    from: z.string().min(1).describe('Field of the token response, e.g. instance_url'),
    to: z.string().min(1).optional().describe('Key under account.context (default: from)'),
    host_patterns: z.array(hostPattern).optional().describe('When set the value must be a URL whose host matches one'),
    required: z.boolean().default(false),
    secret: z.boolean().default(false).describe('Encrypted at rest and masked like a token'),
  })
  .strict();
export type ContextCapture = z.infer<typeof ContextCaptureSchema>;

export const ExpirySourceSchema = z.union([
  z.literal('expires_in'),
  z.literal('introspection'),
  z.object({ fixed_seconds: z.number().int().positive() }).strict(),
]);
export type ExpirySource = z.infer<typeof ExpirySourceSchema>;

const clientAuth = z.enum(['client_secret_post', 'client_secret_basic']);

export const OAuth2AuthSchema = z
  .object({
    type: z.literal('oauth2'),
    authorize_url: z.string().url(),
    token_url: z.string().url(),
    revoke_url: z.string().url().optional(),
    introspect_url: z.string().url().optional(),
    pkce: z.boolean(),
    default_scopes: z.array(z.string()).default([]),
    scope_separator: z.string().default(' '),
    client_auth: clientAuth,
    authorize_params: z.record(z.string(), z.string()).optional(),
    refresh_params: z.record(z.string(), z.string()).optional().describe('Extra form fields on a refresh_token grant'),
    expiry: ExpirySourceSchema,
    context_capture: z.array(ContextCaptureSchema).default([]),
    token_errors: TokenErrorHintsSchema.default({ revoked: [], misconfigured: [] }),
  })
  .strict();

export const ClientCredentialsAuthSchema = z
  .object({
    type: z.literal('oauth2_client_credentials'),
    token_url: z.string().url(),
    default_scopes: z.array(z.string()).default([]),
    scope_separator: z.string().default(' '),
    client_auth: clientAuth,
    expiry: ExpirySourceSchema,
    token_errors: TokenErrorHintsSchema.default({ revoked: [], misconfigured: [] }),
  })
  .strict();

export const ApiKeyAuthSchema = z
  .object({
    type: z.literal('api_key'),
    in: z.enum(['header', 'query']),
    name: z.string().min(1).describe('Header or query parameter name'),
    prefix: z.string().optional().describe('Prepended to the key in a header, e.g. "Bearer "'),
  })
  .strict();

export const AuthSchema = z.discriminatedUnion('type', [OAuth2AuthSchema, ClientCredentialsAuthSchema, ApiKeyAuthSchema]);
export type AuthSpec = z.infer<typeof AuthSchema>;
export type OAuth2Auth = z.infer<typeof OAuth2AuthSchema>;
export type ApiKeyAuth = z.infer<typeof ApiKeyAuthSchema>;

/** Further ways an account may authenticate besides `auth` (e.g. HubSpot private-app tokens beside OAuth). */
export const AlternateAuthSchema = z
  .array(z.discriminatedUnion('type', [ClientCredentialsAuthSchema, ApiKeyAuthSchema]))
  .default([])
  .describe("Other authentication methods an account may use (one per type, not auth's type); the account's authentication_method picks one");

export const PaginationSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('cursor'),
      next: jsonata('cursor value in the response body (absent = last page), e.g. paging.next.after'),
      param: z.string().optional().describe('Query parameter carrying the cursor (else use $page in query/body)'),
    })
    .strict(),
  z
    .object({
      type: z.literal('page_token'),
      next: jsonata('next page token in the body'),
      param: z.string().optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('next_url'),
      next: jsonata('relative URL of the next page, e.g. nextRecordsUrl'),
      done: jsonata('true when this is the last page, e.g. done').optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('offset'),
      param: z.string().optional().describe('Query parameter carrying the offset (else use $page)'),
      has_more: jsonata('true when more records exist').optional(),
    })
    .strict(),
]);
export type Pagination = z.infer<typeof PaginationSchema>;

/** A field refused only for some values, e.g. a second email address where the CRM stores one. */
export const RefuseWhenSchema = z
  .object({
    when: jsonata('true when the given value cannot be stored; bindings as body ($input, $id, $vars, $context)'),
    reason: z.string().min(1),
  })
  .strict();
/** A provider call that reads the CRM's own metadata (properties, pipelines) or associations of a page, not records. */
export const ProviderCallSchema = z
  .object({
    method: z.enum(['GET', 'POST']),
    path: z.string().min(1).describe('Appended to base_url; {{vars.x}}, {{context.x}} substituted'),
    query: jsonata('object of query parameters; bindings $vars $context (and $ids for includes, $input $id for before)').optional(),
    headers: jsonata('object of extra request headers; same bindings').optional(),
    body: jsonata('JSON request body; same bindings').optional(),
    result: jsonata('the response body → what the call yields (see the field that holds this call)'),
    when: jsonata('run the call only when this is true; bindings $input $id $vars').optional(),
  })
  .strict();
export type ProviderCall = z.infer<typeof ProviderCallSchema>;

export const OperationSchema = z
  .object({
    method: z.enum(['GET', 'POST', 'PATCH', 'PUT', 'DELETE']),
    path: z.string().min(1).describe('Appended to base_url; {{id}}, {{vars.x}}, {{context.x}} substituted (id URL-encoded)'),
    query: jsonata('object of query parameters; bindings $input (also $) $id $limit $page $fields $vars $context').optional(),
    headers: jsonata('object of extra request headers; same bindings').optional(),
    body: jsonata('JSON request body; same bindings').optional(),
    records: jsonata('the raw record array of a list response, e.g. results').optional(),
    record: jsonata('the raw record in a single-record response (default $)').optional(),
    pagination: PaginationSchema.optional(),
    then_get: jsonata('id of the written record; re-read it with this resource\'s get (Salesforce 201 {id} / 204)').optional(),
    limit: z.object({ default: z.number().int().positive(), max: z.number().int().positive() }).strict().optional(),
    required: z.array(z.string().min(1)).optional().describe('Unified fields the CRM requires on this write (create); named in the tool description'),
    refuse: z
      .record(z.string().min(1), z.union([z.string().min(1), RefuseWhenSchema]))
      .optional()
      .describe('Unified input fields this write cannot store (always: the reason; or only some values: {when, reason}): a call giving one is refused with a validation error naming it, before any request (no silent drops)'),
    filters: z
      .array(z.enum(['contact_id', 'company_id', 'deal_id']))
      .optional()
      .describe('list: the association filters this CRM honours, read from $input (e.g. contact_id); a filter not named here is refused'),
    note: z.string().min(1).max(300).optional().describe('One sentence the tool description adds: what this CRM does differently (e.g. a Salesforce note has exactly one parent)'),
    before: ProviderCallSchema.optional().describe('A read made first (create/update), its result bound as $before in query/headers/body (Salesforce: the contact roles a deal has)'),
    failure: jsonata(
      'on a 2xx answer: the failed part of a composite/batch response as {status, body}, classified like an error response by `errors` (nothing = success)',
    ).optional(),
  })
  .strict();
export type Operation = z.infer<typeof OperationSchema>;


export const DiscoverySchema = z
  .object({
    properties: ProviderCallSchema.optional().describe(
      "The CRM's own fields of this object: result → [{name, label, type, options?: [{value, label}], custom?: boolean, read_only?: boolean}] (type in the CRM's terms)",
    ),
    pipelines: ProviderCallSchema.optional().describe(
      'Pipelines and their stages, in the CRM\'s order: result → [{id (null when the CRM has no pipeline id), label, stages: [{id, label}]}]; a stage id is what `stage` takes',
    ),
  })
  .strict();
export type Discovery = z.infer<typeof DiscoverySchema>;

export const CUSTOM_FIELD_TYPES = ['string', 'number', 'integer', 'boolean', 'date', 'datetime'] as const;

export const CustomFieldSchema = z
  .object({
    field: z.string().optional().describe('Provider field to request (added to $fields); on write, custom_fields takes this name'),
    expr: jsonata('value from the raw record'),
    type: z.enum(CUSTOM_FIELD_TYPES).optional().describe("The type tool schemas declare for it (default: the discovered property's type when known, else any)"),
    description: z.string().max(200).optional().describe('What tool schemas say about it'),
  })
  .strict();

const methodShape = Object.fromEntries(UNIFIED_METHODS.map((m) => [m, OperationSchema.optional()])) as Record<
  (typeof UNIFIED_METHODS)[number],
  z.ZodOptional<typeof OperationSchema>
>;

export const ResourceSchema = z
  .object({
    fields: z.array(z.string()).default([]).describe('Provider fields to request, bound as $fields'),
    mapping: jsonata('raw provider record → unified record'),
    custom_fields: z.record(z.string(), CustomFieldSchema).optional().describe('Unified custom_fields entries'),
    ...methodShape,
    list_filtered: OperationSchema.optional().describe('The list used instead when the call passes one of its `filters` (HubSpot: the search API with association filters)'),
    discovery: DiscoverySchema.optional().describe('How describe_crm learns this object\'s fields and pipelines live'),
    includes: z
      .record(z.enum(['deal_ids']), ProviderCallSchema)
      .optional()
      .describe('Lists a list/search fills on request (include: [name]): one call per page, $ids bound to the page\'s record ids; result → {record id: [ids]}'),
  })
  .strict();
export type Resource = z.infer<typeof ResourceSchema>;
export type IncludeName = keyof NonNullable<Resource['includes']>;

export const ErrorRuleSchema = z
  .object({
    kind: z.enum(['expired_token', 'revoked', 'rate_limited', 'not_found', 'validation', 'unavailable', 'forbidden']),
    status: z.array(z.number().int()).optional(),
    match: jsonata('boolean on the parsed error body; bindings $status $headers').optional(),
    message: jsonata('safe message').optional(),
    provider_code: jsonata('provider error code').optional(),
    fields: jsonata('array of offending field names').optional(),
  })
  .strict();
export type ErrorRule = z.infer<typeof ErrorRuleSchema>;

export const RATE_LIMIT_FORMATS = ['ietf', 'ratelimit', 'x-ratelimit', 'hubspot', 'salesforce', 'pipedrive', 'dynamics'] as const;
export type RateLimitFormat = (typeof RATE_LIMIT_FORMATS)[number];

export const RateLimitSpecSchema = z
  .object({
    format: z
      .union([z.enum(RATE_LIMIT_FORMATS), z.array(z.enum(RATE_LIMIT_FORMATS)).min(1)])
      .optional()
      .describe(
        'Header formats the CRM sends (see integrations/README.md). IETF RateLimit/RateLimit-Policy are always read first; default ["ratelimit", "x-ratelimit"]',
      ),
    limit_header: z.string().optional().describe('Custom header: requests allowed per window'),
    remaining_header: z.string().optional().describe('Custom header: requests left in the window'),
    reset_seconds_header: z.string().optional().describe('Custom header: seconds until the window resets'),
    interval_ms_header: z.string().optional().describe('Window length in ms; used as reset when no reset header'),
    usage_header: z
      .object({
        name: z.string(),
        regex: z.string().describe('Named groups (?<used>) and (?<limit>)'),
      })
      .strict()
      .optional(),
    window_seconds: z.number().int().positive().optional().describe('Fixed window (e.g. 86400 daily) used as reset'),
    policy: z.string().optional().describe('Name reported for the custom headers\' policy'),
    policy_from_body: jsonata('policy name in a throttled body').optional(),
    retry_after_header: z.string().default('retry-after'),
  })
  .strict();
export type RateLimitSpec = z.infer<typeof RateLimitSpecSchema>;

const resourceShape = Object.fromEntries(UNIFIED_RESOURCES.map((r) => [r, ResourceSchema.optional()])) as Record<
  (typeof UNIFIED_RESOURCES)[number],
  z.ZodOptional<typeof ResourceSchema>
>;

export const DefinitionSchema = z
  .object({
    $schema: z.string().optional(),
    name: z.string().regex(/^[a-z][a-z0-9_-]*$/, 'name must be lower-case letters, digits, - or _'),
    display_name: z.string().min(1),
    auth: AuthSchema,
    alternate_auth: AlternateAuthSchema,
    base_url: z.string().min(1).describe('May reference {{context.x}} and {{vars.x}}'),
    allowed_hosts: z.array(hostPattern).min(1).describe('Every request host must match one'),
    vars: z.record(z.string(), z.json()).default({}).describe('Constants bound as $vars (any JSON); strings and numbers also fill {{vars.x}} in paths'),
    functions: z
      .record(z.string().regex(/^[a-z_][A-Za-z0-9_]*$/, 'function names are letters, digits and _'), jsonata('a function, e.g. function($cents) { $cents / 100 }'))
      .default({})
      .describe('Named JSONata functions, callable as $name(...) from every expression of this definition and its overrides'),
    errors: z.array(ErrorRuleSchema).default([]),
    rate_limit: RateLimitSpecSchema.optional(),
    resources: z.object(resourceShape).strict(),
  })
  .strict();
export type Definition = z.infer<typeof DefinitionSchema>;
export type DefinitionInput = z.input<typeof DefinitionSchema>;
