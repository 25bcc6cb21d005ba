/**
 * Local errors carry a stable string `code`; `cause` is always passed along. What each code
 * becomes in a tool result, an HTTP status and a CLI exit code is one row of error-table.ts.
 * Messages never contain secret values.
 */
export type ErrorCode =
  | 'illegal_transition'
  | 'account_not_found'
  | 'account_corrupt'
  | 'store_unavailable'
  | 'store_conflict'
  | 'crypto_unknown_key'
  | 'crypto_tampered'
  | 'crypto_bad_key'
  | 'config_invalid'
  | 'definition_invalid'
  | 'override_invalid'
  | 'integration_unknown'
  | 'host_not_allowed'
  | 'mapping_failed'
  | 'mapping_bound'
  | 'needs_reauth'
  | 'transient_auth'
  | 'oauth_client_misconfigured'
  | 'provider_unavailable'
  | 'provider_error'
  | 'unauthorized'
  | 'invalid_input';

export class CrmMcpError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, opts: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'CrmMcpError';
    this.code = code;
    this.details = opts.details ?? {};
  }
}

export function isCrmMcpError(e: unknown, code?: ErrorCode): e is CrmMcpError {
  return e instanceof CrmMcpError && (code === undefined || e.code === code);
}
