/**
 * The one error model: what each local error code becomes in a tool result, as an HTTP
 * status and as a CLI exit code. Every code has a row (adding a code without one fails the
 * typecheck); the MCP results, the engine, the HTTP layer and the CLI only look rows up.
 */
import { isCrmMcpError, type ErrorCode } from './errors.js';

/**
 * The `structuredContent.error.code` an agent sees. 'internal' is a fault of this server
 * (store, keys, configuration, a bug), never the CRM's; an agent cannot fix it by changing
 * its call. Rate limits and provider validation errors come from provider responses, not
 * from thrown errors, so they have no row here.
 */
type ToolErrorCategory =
  | 'needs_reauth'
  | 'transient_auth'
  | 'not_found'
  | 'validation'
  | 'unsupported'
  | 'provider_unavailable'
  | 'provider_error'
  | 'host_not_allowed'
  | 'mapping_failed'
  | 'mapping_bound'
  | 'internal';

/** 1 failure, 2 usage (bad flags or input), 3 not found; 0 is success and never an error's. */
type ErrorExitCode = 1 | 2 | 3;

interface ErrorOutcome {
  tool: ToolErrorCategory;
  http: number;
  exit: ErrorExitCode;
}

export const ERROR_TABLE: Readonly<Record<ErrorCode, ErrorOutcome>> = {
  illegal_transition: { tool: 'internal', http: 500, exit: 1 },
  account_not_found: { tool: 'not_found', http: 404, exit: 3 },
  account_corrupt: { tool: 'internal', http: 500, exit: 1 },
  store_unavailable: { tool: 'internal', http: 503, exit: 1 },
  store_conflict: { tool: 'internal', http: 409, exit: 1 },
  crypto_unknown_key: { tool: 'internal', http: 500, exit: 1 },
  crypto_tampered: { tool: 'internal', http: 500, exit: 1 },
  crypto_bad_key: { tool: 'internal', http: 500, exit: 1 },
  // Flags, env and config file that do not fit together: a usage error for the CLI.
  config_invalid: { tool: 'internal', http: 500, exit: 2 },
  definition_invalid: { tool: 'internal', http: 500, exit: 1 },
  override_invalid: { tool: 'mapping_failed', http: 500, exit: 1 },
  integration_unknown: { tool: 'unsupported', http: 404, exit: 3 },
  host_not_allowed: { tool: 'host_not_allowed', http: 502, exit: 1 },
  mapping_failed: { tool: 'mapping_failed', http: 502, exit: 1 },
  mapping_bound: { tool: 'mapping_bound', http: 502, exit: 1 },
  needs_reauth: { tool: 'needs_reauth', http: 502, exit: 1 },
  transient_auth: { tool: 'transient_auth', http: 503, exit: 1 },
  // The OAuth client is missing or rejected: permanent until an operator fixes the configuration,
  // so never reported as something an agent could retry.
  oauth_client_misconfigured: { tool: 'internal', http: 500, exit: 1 },
  provider_unavailable: { tool: 'provider_unavailable', http: 503, exit: 1 },
  provider_error: { tool: 'provider_error', http: 502, exit: 1 },
  // Thrown only for connect links and OAuth states that are unknown, used or expired.
  unauthorized: { tool: 'internal', http: 410, exit: 1 },
  invalid_input: { tool: 'validation', http: 400, exit: 2 },
};

const UNEXPECTED: ErrorOutcome = { tool: 'internal', http: 500, exit: 1 };

/** The row for a thrown value; anything but a CrmMcpError is an internal failure. */
export function errorOutcome(err: unknown): ErrorOutcome {
  return isCrmMcpError(err) ? ERROR_TABLE[err.code] : UNEXPECTED;
}
