/**
 * The import/export record: the shape other platforms export (`integration` or
 * `integration_id`, `tenant_id`, `authentication_method`, `context.oauth.token.*`, provider
 * context such as `instance_url`). Export writes exactly what import reads, so files round-trip.
 * Without an `id`, the account id is derived from integration, tenant, environment and
 * `instance_url`, so re-importing the same file finds the same accounts.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { AccountStatusSchema, AuthMethodSchema, LinkedAccountSchema, type LinkedAccount, type OAuthToken } from '../accounts/model.js';

const MASKED = /^\*{4}/;
const secret = z
  .string()
  .min(1)
  .refine((s) => !MASKED.test(s), { message: 'is masked (export with --include-secrets to move credentials)' });

/** ISO string, or a Unix time in seconds (< 1e12) or milliseconds. */
const expiresAt = z
  .union([z.string().datetime({ offset: true }), z.number().int().positive(), z.null()])
  .transform((v) => (v === null ? null : typeof v === 'number' ? new Date(v < 1e12 ? v * 1000 : v).toISOString() : new Date(v).toISOString()));

const TokenSchema = z.object({
  access_token: secret,
  refresh_token: secret.optional(),
  expires_at: expiresAt.optional(),
  token_type: z.string().optional(),
  scope: z.string().optional(),
  issued_at: z.string().datetime({ offset: true }).optional(),
});

export const ImportRecordSchema = z
  .object({
    id: LinkedAccountSchema.shape.id.optional(),
    integration: z.string().min(1).max(64).optional(),
    integration_id: z.string().min(1).max(64).optional(),
    tenant_id: z.string().min(1).max(256),
    environment: z.string().min(1).max(64).optional(),
    status: AccountStatusSchema.optional(),
    authentication_method: AuthMethodSchema,
    context: z.object({ oauth: z.object({ token: TokenSchema }).optional(), api_key: secret.optional() }).catchall(z.unknown()).default({}),
    integration_override: z.record(z.string(), z.unknown()).optional(),
    unified_model_override: z.record(z.string(), z.unknown()).optional(),
    created_at: z.string().datetime({ offset: true }).optional(),
  })
  .superRefine((r, ctx) => {
    if (!r.integration && !r.integration_id) ctx.addIssue({ code: 'custom', path: ['integration'], message: 'integration (or integration_id) is required' });
    if (r.integration && r.integration_id && r.integration !== r.integration_id) ctx.addIssue({ code: 'custom', path: ['integration_id'], message: 'differs from integration' });
    if (r.authentication_method === 'oauth2' && !r.context.oauth) ctx.addIssue({ code: 'custom', path: ['context', 'oauth', 'token'], message: 'an oauth2 account needs context.oauth.token' });
    if (r.authentication_method === 'api_key' && !r.context.api_key) ctx.addIssue({ code: 'custom', path: ['context', 'api_key'], message: 'an api_key account needs context.api_key' });
  });
export type ImportRecord = z.output<typeof ImportRecordSchema>;

/** The fields an import owns (status, timestamps and version belong to this instance). */
export interface NormalizedRecord {
  id: string;
  tenant_id: string;
  integration: string;
  environment: string;
  authentication_method: LinkedAccount['authentication_method'];
  context: LinkedAccount['context'];
  integration_override?: Record<string, unknown>;
  unified_model_override?: Record<string, unknown>;
}

export function derivedAccountId(integration: string, tenantId: string, environment: string, instanceUrl?: unknown): string {
  const h = createHash('sha256').update([integration, tenantId, environment, typeof instanceUrl === 'string' ? instanceUrl : ''].join('\n')).digest('hex');
  return 'acct_' + h.slice(0, 24);
}

export function normalizeRecord(r: ImportRecord): NormalizedRecord {
  const integration = (r.integration ?? r.integration_id)!;
  const environment = r.environment ?? 'production';
  const context = stripUndefined(r.context) as LinkedAccount['context'];
  return {
    id: r.id ?? derivedAccountId(integration, r.tenant_id, environment, context.instance_url),
    tenant_id: r.tenant_id,
    integration,
    environment,
    authentication_method: r.authentication_method,
    context,
    ...(r.integration_override ? { integration_override: r.integration_override } : {}),
    ...(r.unified_model_override ? { unified_model_override: r.unified_model_override } : {}),
  };
}

/** Stable JSON (sorted keys) so equal records compare and hash equal. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v)
        .filter(([, x]) => x !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, x]) => [k, sortKeys(x)]),
    );
  }
  return v;
}

function stripUndefined(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v)) as unknown;
}

export function fingerprint(n: NormalizedRecord): string {
  return createHash('sha256').update(canonicalJson(n)).digest('hex');
}

/** The account's import-owned fields, for comparison with a record. */
export function importedFields(a: LinkedAccount): NormalizedRecord {
  return {
    id: a.id,
    tenant_id: a.tenant_id,
    integration: a.integration,
    environment: a.environment,
    authentication_method: a.authentication_method,
    context: a.context,
    ...(a.integration_override ? { integration_override: a.integration_override } : {}),
    ...(a.unified_model_override ? { unified_model_override: a.unified_model_override } : {}),
  };
}

/** SHA-256 of a refresh token: what the import remembers of the tokens it wrote (never the token). */
export function tokenFingerprint(refreshToken: string): string {
  return createHash('sha256').update(refreshToken).digest('hex');
}

/**
 * True when the record's OAuth tokens are older than the account's: an import must then keep the
 * stored ones, which the provider may have rotated past the record's (using the record's would
 * present a consumed refresh token). Older means issued before the stored tokens (both say when),
 * or the very refresh token the last import wrote, which the account has since moved past.
 * Tokens the account never had and that do not say when they were issued are taken (a reconnect
 * elsewhere). Pure.
 */
export function recordTokensAreStale(record: OAuthToken | undefined, stored: OAuthToken | undefined, lastImportedFingerprint: string | undefined): boolean {
  if (!record || !stored || record.refresh_token === stored.refresh_token) return false;
  if (record.issued_at && stored.issued_at && Date.parse(record.issued_at) < Date.parse(stored.issued_at)) return true;
  return record.refresh_token !== undefined && lastImportedFingerprint !== undefined && tokenFingerprint(record.refresh_token) === lastImportedFingerprint;
}

/** A zod issue list as one line: `context.oauth.token.access_token: Required; tenant_id: ...`. */
export function describeIssues(err: z.ZodError): string {
  return err.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`)
    .join('; ');
}
