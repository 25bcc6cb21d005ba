/**
 * Everything the operator commands (links, connect, accounts, status, audit) need, in one
 * seam. The composition root (src/app/operator.ts) builds it from the opened app; tests build
 * one in memory.
 */
import type { LinkedAccount } from '../accounts/model.js';
import type { Deps } from '../core/deps.js';
import type { OAuthClientResolver } from '../oauth-clients/resolve.js';
import type { AccountStore } from '../store/account-store.js';
import type { KvStore } from '../store/kv.js';
import type { AccountValidator } from '../accounts/validation.js';
import type { AuditTrail } from '../audit/log.js';
import type { Sealer } from '../crypto/sealer.js';
import type { TokenScheduler } from '../tokens/scheduler.js';
import type { LifecycleWebhooks } from '../webhooks/sender.js';
import type { OAuthConnectSpec } from './spec.js';

export interface IntegrationInfo {
  name: string;
  authMethods: ReadonlyArray<LinkedAccount['authentication_method']>;
  /** Context fields the definition marks secret (encrypted at rest, masked in every listing). */
  secretContextFields?: readonly string[];
  /** Why the account's overrides would be rejected (field path and error), else undefined; checked before an override is stored. */
  overrideProblem?(account: Pick<LinkedAccount, 'integration' | 'integration_override' | 'unified_model_override'>): Promise<string | undefined>;
}

export interface RevokeOutcome {
  /** False when the definition has no revocation endpoint. */
  attempted: boolean;
  ok: boolean;
  reason?: string;
}

export interface OperatorRuntime {
  accounts: AccountStore;
  kv: KvStore;
  deps: Deps;
  audit: AuditTrail;
  sealer: Sealer;
  oauthClients: OAuthClientResolver;
  webhooks: LifecycleWebhooks;
  scheduler?: TokenScheduler & {
    /** Upcoming proactive refreshes, soonest first, if the token manager can say. */
    upcoming?(limit: number): Promise<Array<{ account_id: string; at: string }>>;
  };
  /** Validates a just-connected account with its fresh token (no refresh). */
  connectValidator: AccountValidator;
  /**
   * Refreshes now through the token manager, also for an account in `needs_reauth` (operator
   * retry after the provider restored access): success → `active` + one `reactivated` webhook.
   */
  retryRefresh?(accountId: string): Promise<LinkedAccount>;
  /** One call through the token manager (refreshing expired tokens first): import --verify. */
  verifier: AccountValidator;
  integration(name: string): IntegrationInfo | undefined;
  connectSpec(integration: string, environment: string): Promise<OAuthConnectSpec>;
  /** Revokes the account's grant at the provider when its definition has a revocation URL. */
  revoke(account: LinkedAccount): Promise<RevokeOutcome>;
  /** Public base URL of `crm-mcp serve`, for connect links (config `public_url`). */
  publicBaseUrl?: string;
  close(): Promise<void>;
}
