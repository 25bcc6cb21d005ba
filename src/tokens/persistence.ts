/**
 * Refreshed tokens the store has not taken yet. A refresh token the provider just issued may be
 * the only live one (rotation), so it is never dropped while it can still be stored, and it is
 * not used before it is stored: the refresh lock stays held (its watchdog renewing it), callers in
 * this process get "refresh in progress" after one immediate attempt of their own, and the write
 * is retried on the injected clock until it lands, or the account changed under it in a way that
 * makes these tokens stale (`superseded`: the write is conditional — see manager.ts), or the
 * process shuts down (`flush`).
 */
import type { LinkedAccount } from '../accounts/model.js';
import type { Clock, Logger } from '../core/deps.js';
import type { HeldLock } from './lock.js';

/** What one write attempt found: stored (the account as stored), or made stale by another change. */
export type WriteOutcome = { stored: LinkedAccount } | 'superseded';

export interface PendingEntry {
  /** The conditional write of the refreshed tokens; throws when the store fails. */
  write(): Promise<WriteOutcome>;
  lock: HeldLock;
  /** Runs once the tokens are stored (audit, reschedule). */
  onStored(account: LinkedAccount): Promise<void>;
}

export interface PendingPersistence {
  has(accountId: string): boolean;
  /**
   * Starts holding `entry` (its first write failed): retries until it lands or is superseded,
   * then releases the lock.
   */
  hold(accountId: string, entry: PendingEntry): void;
  /**
   * One write attempt now (joined with one already running): the stored account, 'superseded',
   * or undefined when the store still refuses it. Resolves at once when nothing is pending.
   */
  attempt(accountId: string): Promise<LinkedAccount | 'superseded' | undefined>;
  /**
   * Shutdown: tries every pending write until `timeoutMs` passes; the locks of what could not be
   * stored are left to lapse (the provider may have consumed the refresh token they guard).
   */
  flush(timeoutMs: number): Promise<{ stored: string[]; unstored: string[] }>;
}

export function createPendingPersistence(opts: { clock: Clock; logger: Logger; delaysMs: readonly number[] }): PendingPersistence {
  const pending = new Map<string, { entry: PendingEntry; running?: Promise<LinkedAccount | 'superseded' | undefined>; attempts: number }>();
  const log = opts.logger;
  let closing = false;

  const settle = async (id: string, outcome: WriteOutcome) => {
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    if (outcome === 'superseded') {
      log.error('refreshed tokens discarded: the account changed while they waited to be stored (another refresh, a reconnect or a status change won)', { account_id: id, attempts: p.attempts });
    } else {
      log.info('refreshed tokens stored after the store recovered', { account_id: id, attempts: p.attempts });
      await p.entry.onStored(outcome.stored).catch((err: unknown) => log.warn('after storing refreshed tokens', { account_id: id, err }));
    }
    await p.entry.lock.release();
  };

  function attempt(id: string): Promise<LinkedAccount | 'superseded' | undefined> {
    const p = pending.get(id);
    if (!p) return Promise.resolve(undefined);
    p.running ??= (async () => {
      p.attempts++;
      try {
        const outcome = await p.entry.write();
        await settle(id, outcome);
        return outcome === 'superseded' ? outcome : outcome.stored;
      } catch (err) {
        log.error('refreshed tokens still not stored: the store refuses the write; the refresh lock stays held', { account_id: id, attempts: p.attempts, err });
        return undefined;
      } finally {
        p.running = undefined;
      }
    })();
    return p.running;
  }

  async function retry(id: string, n: number): Promise<void> {
    await opts.clock.sleep(opts.delaysMs[Math.min(n, opts.delaysMs.length - 1)] ?? 5_000);
    if (closing || !pending.has(id)) return;
    await attempt(id);
    if (pending.has(id)) return retry(id, n + 1);
  }

  return {
    has: (id) => pending.has(id),
    hold(id, entry) {
      pending.set(id, { entry, attempts: 1 });
      void retry(id, 0);
    },
    attempt,
    async flush(timeoutMs) {
      closing = true;
      const ids = [...pending.keys()];
      const until = opts.clock.now() + timeoutMs;
      while (pending.size > 0 && opts.clock.now() < until) {
        await Promise.all([...pending.keys()].map((id) => attempt(id)));
        if (pending.size > 0) await opts.clock.sleep(Math.min(500, Math.max(0, until - opts.clock.now())));
      }
      const unstored = [...pending.keys()];
      for (const id of unstored) {
        pending.get(id)?.entry.lock.abandon();
        pending.delete(id);
        log.error('SHUTDOWN WITH UNSTORED TOKENS: the refreshed tokens of this account could not be stored and are lost with this process; if the provider rotated its refresh token, the account will need to be reconnected', { account_id: id });
      }
      return { stored: ids.filter((id) => !unstored.includes(id)), unstored };
    },
  };
}
