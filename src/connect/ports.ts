/**
 * What the connect flow, import and export need from other areas, as small interfaces. The
 * operator runtime (runtime.ts) adapts the real token manager, engine, audit log and webhook
 * sender to these; tests pass in-memory ones. Nothing here carries a secret value.
 */
import type { LinkedAccount } from '../accounts/model.js';

export type AuditOutcome = 'success' | 'failure';

export interface AuditRecordInput {
  operation: string;
  outcome: AuditOutcome;
  actor: string;
  tenant_id?: string;
  account_id?: string;
  /** Never a secret; reasons and counts only. */
  details?: Record<string, unknown>;
}

export interface AuditPort {
  /** The result is ignored (src/audit's trail returns the stored record). */
  append(entry: AuditRecordInput): Promise<unknown>;
}

export interface WebhookPort {
  /** `integrated_account:reactivated` for an account that left needs_reauth. */
  reactivated(account: LinkedAccount): Promise<void>;
}

export type ValidationOutcome =
  | { ok: true }
  /** `needs_reauth`: the provider rejected the credentials (reason is the provider's, secret-free). */
  | { ok: false; kind: 'needs_reauth' | 'failed'; code: string; reason: string };

export interface AccountValidator {
  /** One lightweight provider call (a list with limit 1) as this account. */
  validate(account: LinkedAccount): Promise<ValidationOutcome>;
}

export type { Sealer as SecretSealer } from '../crypto/sealer.js';
