/**
 * The account lifecycle as one pure function. Schedulers, tools, the connect flow and the
 * token manager only send events; nothing writes `status` directly.
 *
 *   connecting ──validated──────────▶ active ──auth_revoked──▶ needs_reauth
 *        │ ──post_install_failed──▶ post_install_error            │
 *        │ ──validation_failed────▶ validation_error              │
 *   error states ──retry_succeeded──▶ active ◀──reauthorized──────┘
 */
import { CrmMcpError } from '../core/errors.js';
import type { AccountStatus } from './model.js';

export type AccountEvent =
  | { type: 'validated' }
  | { type: 'post_install_failed'; reason: string }
  | { type: 'validation_failed'; reason: string }
  | { type: 'auth_revoked'; reason: string }
  | { type: 'reauthorized' }
  | { type: 'retry_succeeded' };

export type AccountEventType = AccountEvent['type'];

const TABLE: Record<AccountStatus, Partial<Record<AccountEventType, AccountStatus>>> = {
  connecting: { validated: 'active', post_install_failed: 'post_install_error', validation_failed: 'validation_error' },
  active: { auth_revoked: 'needs_reauth' },
  needs_reauth: { reauthorized: 'active' },
  post_install_error: { retry_succeeded: 'active' },
  validation_error: { retry_succeeded: 'active' },
};

export class IllegalTransitionError extends CrmMcpError {
  readonly from: AccountStatus;
  readonly event: AccountEventType;
  constructor(from: AccountStatus, event: AccountEventType) {
    super('illegal_transition', `illegal account transition: '${event}' from '${from}'`, { details: { from, event } });
    this.from = from;
    this.event = event;
  }
}

/** Next status for `event`, or an IllegalTransitionError. Pure. */
export function transition(from: AccountStatus, event: AccountEvent): AccountStatus {
  const next = TABLE[from][event.type];
  if (next === undefined) throw new IllegalTransitionError(from, event.type);
  return next;
}

export function canTransition(from: AccountStatus, type: AccountEventType): boolean {
  return TABLE[from][type] !== undefined;
}
