/**
 * Distributed per-account refresh lock on a KvStore: value = random owner token, acquired with
 * setIfAbsent + TTL (longer than the token request timeout, so a dead holder frees it), released
 * by compare-and-delete so a holder whose TTL lapsed never deletes a successor's lock.
 */
import type { Clock, Random } from '../core/deps.js';
import type { KvStore } from '../store/kv.js';

export const LOCK_PREFIX = 'lock:token-refresh:';

export interface HeldLock {
  release(): Promise<void>;
}

export interface LockWaitOptions {
  ttlMs: number;
  /** Give up after this long; `onPoll` may end the wait early by returning true. */
  waitMs: number;
  /** Called between attempts; returning true stops waiting (another holder's work is usable). */
  onPoll?: () => Promise<boolean>;
}

export async function acquireRefreshLock(
  kv: KvStore,
  deps: { clock: Clock; random: Random },
  accountId: string,
  opts: LockWaitOptions,
): Promise<HeldLock | 'satisfied' | 'timeout'> {
  const key = LOCK_PREFIX + accountId;
  const owner = deps.random.bytes(16).toString('hex');
  const deadline = deps.clock.now() + opts.waitMs;
  let delay = 25;
  for (;;) {
    if (await kv.setIfAbsent(key, owner, opts.ttlMs)) {
      return { release: async () => void (await kv.deleteIfEquals(key, owner).catch(() => false)) };
    }
    if (opts.onPoll && (await opts.onPoll())) return 'satisfied';
    if (deps.clock.now() >= deadline) return 'timeout';
    await deps.clock.sleep(delay + deps.random.int(0, delay));
    delay = Math.min(delay * 2, 500);
  }
}
