/** The "one lightweight provider call" that validates an account (connect, import --verify). */
import type { LinkedAccount } from './model.js';

export type ValidationOutcome =
  | { ok: true }
  /** `needs_reauth`: the provider rejected the credentials (reason is the provider's, secret-free). */
  | { ok: false; kind: 'needs_reauth' | 'failed'; code: string; reason: string };

export interface AccountValidator {
  /** One lightweight provider call (a list with limit 1) as this account. */
  validate(account: LinkedAccount): Promise<ValidationOutcome>;
}
