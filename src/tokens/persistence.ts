/**
 * Refreshed tokens the store failed to take. A refresh token the provider just issued may be the
 * only live one (rotation), so it is never dropped: the account as refreshed is held in memory
 * and served in place of the stored one while the stored one still holds the refresh token that
 * was used, and the write is retried on the injected clock until it lands or the stored refresh
 * token changes under it (another holder rotated; theirs wins).
 */
import type { LinkedAccount } from '../accounts/model.js';
import type { Clock, Logger } from '../core/deps.js';

export interface PendingPersistence {
  /** The account to serve: the held one's tokens and context over the stored copy, while it is pending. */
  overlay(stored: LinkedAccount): LinkedAccount;
  /**
   * Holds `account` (refreshed with the refresh token `used`) and retries `write` until it
   * resolves; `write` must itself be conditional on the stored refresh token still being `used`.
   */
  hold(account: LinkedAccount, used: string, write: () => Promise<unknown>): void;
  /** The refreshed tokens reached the store by other means (a later write succeeded). */
  settled(accountId: string): void;
}

export function createPendingPersistence(opts: { clock: Clock; logger: Logger; delaysMs: readonly number[] }): PendingPersistence {
  const pending = new Map<string, { account: LinkedAccount; used: string }>();
  const log = opts.logger;

  async function retry(id: string, write: () => Promise<unknown>, attempt: number): Promise<void> {
    await opts.clock.sleep(opts.delaysMs[Math.min(attempt, opts.delaysMs.length - 1)] ?? 60_000);
    if (!pending.has(id)) return;
    try {
      await write();
      pending.delete(id);
      log.info('refreshed tokens persisted after retry', { account_id: id, attempts: attempt + 2 });
    } catch (err) {
      log.warn('persisting refreshed tokens failed again', { account_id: id, attempt: attempt + 2, err });
      return retry(id, write, attempt + 1);
    }
  }

  return {
    overlay(stored) {
      const held = pending.get(stored.id);
      if (!held) return stored;
      if (stored.context.oauth?.token.refresh_token === held.used) return { ...stored, context: held.account.context, last_error: null };
      pending.delete(stored.id);
      return stored;
    },
    hold(account, used, write) {
      pending.set(account.id, { account, used });
      void retry(account.id, write, 0);
    },
    settled(id) {
      pending.delete(id);
    },
  };
}
