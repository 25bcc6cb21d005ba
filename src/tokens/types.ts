/**
 * The token manager's face to the rest of the product: every provider call gets its access
 * token here. Implemented in src/tokens (lock-guarded refresh, proactive scheduling).
 */
import type { LinkedAccount } from '../accounts/model.js';

export interface AccessTokenResult {
  accessToken: string;
  /** The account as of the token (context such as instance_url may have changed on refresh). */
  account: LinkedAccount;
  /** True when the token is not the one the given account held: it was refreshed during this call (by it or by a concurrent one). */
  refreshed?: boolean;
}

export interface TokenProvider {
  /**
   * A valid access token for `account` — the account as the caller just loaded it (a valid token
   * costs no further store read) — refreshing on demand when it expires within 30 s.
   * `forceRefresh` is for a provider that just rejected the token as expired (one retry).
   * Throws CrmMcpError: 'needs_reauth' (account is or just became needs_reauth),
   * 'transient_auth' (refresh failed transiently or in backoff), 'oauth_client_misconfigured',
   * 'account_not_found'.
   */
  getAccessToken(account: LinkedAccount, opts?: { forceRefresh?: boolean; rejectedToken?: string }): Promise<AccessTokenResult>;
}
