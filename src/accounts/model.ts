/**
 * The linked account: one customer's connected CRM org. Single source of truth for its shape;
 * the TypeScript types come from these schemas. Secret fields are listed in `SECRET_PATHS`
 * (plus whatever context fields an integration definition marks secret) and are encrypted by
 * the store before anything reaches keyv.
 */
import { z } from 'zod';

export const ACCOUNT_STATUSES = ['connecting', 'active', 'needs_reauth', 'post_install_error', 'validation_error'] as const;
export const AccountStatusSchema = z.enum(ACCOUNT_STATUSES);
export type AccountStatus = z.infer<typeof AccountStatusSchema>;

export const AuthMethodSchema = z.enum(['oauth2', 'oauth2_client_credentials', 'api_key']);
export type AuthMethod = z.infer<typeof AuthMethodSchema>;

const isoDate = z.string().datetime({ offset: true });

export const OAuthTokenSchema = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  /** ISO-8601; absent or null when the provider did not say (Salesforce) and nothing learned it yet. */
  expires_at: isoDate.nullable().optional(),
  scope: z.string().optional(),
  token_type: z.string().optional(),
  /** When this token was obtained (ISO-8601). */
  issued_at: isoDate.optional(),
});
export type OAuthToken = z.infer<typeof OAuthTokenSchema>;

/**
 * Per-account context. `oauth.token` holds the OAuth token set; `api_key` the key for api_key
 * accounts; everything else is provider context captured at connect time (Salesforce
 * `instance_url`, HubSpot `hub_id`, …).
 */
export const AccountContextSchema = z
  .object({
    oauth: z.object({ token: OAuthTokenSchema }).optional(),
    api_key: z.string().min(1).optional(),
  })
  .catchall(z.unknown());
export type AccountContext = z.infer<typeof AccountContextSchema>;

export const LastErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  at: isoDate,
});
export type LastError = z.infer<typeof LastErrorSchema>;

export const LinkedAccountSchema = z.object({
  id: z.string().min(1).max(128).regex(/^[A-Za-z0-9._:-]+$/, 'id may contain letters, digits, . _ : -'),
  tenant_id: z.string().min(1).max(256),
  integration: z.string().min(1).max(64),
  environment: z.string().min(1).max(64).default('production'),
  status: AccountStatusSchema,
  authentication_method: AuthMethodSchema,
  context: AccountContextSchema.default({}),
  integration_override: z.record(z.string(), z.unknown()).optional(),
  unified_model_override: z.record(z.string(), z.unknown()).optional(),
  created_at: isoDate,
  updated_at: isoDate,
  status_changed_at: isoDate.optional(),
  last_error: LastErrorSchema.nullable().optional(),
  /** Exported with --hand-off: another system owns the refresh token; this instance must not refresh it. */
  handed_off: z.boolean().optional(),
  /** Optimistic-concurrency counter, bumped by the store on every write. */
  version: z.number().int().nonnegative().default(0),
});
export type LinkedAccount = z.infer<typeof LinkedAccountSchema>;
export type LinkedAccountInput = z.input<typeof LinkedAccountSchema>;

/** Dotted paths (under the account) that always hold secrets. */
export const SECRET_PATHS = ['context.oauth.token.access_token', 'context.oauth.token.refresh_token', 'context.api_key'] as const;
