/**
 * Distributed per-account refresh lock on a KvStore: value = random owner token, acquired with
 * setIfAbsent + TTL, released by compare-and-delete so a holder whose lock lapsed never deletes a
 * successor's. While held, a watchdog renews the TTL every lockTtl/3 with compare-and-expire and
 * notices when the lock is no longer this holder's (fencing: `owned()` turns false and no request
 * is sent on it). `hold()` marks the point after which the provider may have consumed the refresh
 * token: from then on each renewal is for the hold TTL, so a holder that dies with the newest
 * tokens unstored keeps every other process from presenting the consumed one for that long.
 * Durations: src/tokens/timing.ts.
 */
import type { Clock, Logger, Random, TimerHandle } from '../core/deps.js';
import type { KvStore } from '../store/kv.js';

export const LOCK_PREFIX = 'lock:token-refresh:';

export interface HeldLock {
  /**
   * From now on the lock outlives this process by the hold TTL. False when the lock is no
   * longer ours or the store would not say (then nothing may be sent on it).
   */
  hold(): Promise<boolean>;
  /** False once the watchdog found the lock gone or someone else's. */
  owned(): boolean;
  release(): Promise<void>;
  /** Stops renewing without releasing: the lock lapses after its TTL (shutdown with unstored tokens). */
  abandon(): void;
}

export interface LockOptions {
  ttlMs: number;
  holdTtlMs: number;
  /** Give up after this long; `onPoll` may end the wait early by returning true. */
  waitMs: number;
  /** Called between attempts; returning true stops waiting (another holder's work is usable). */
  onPoll?: () => Promise<boolean>;
}

export async function acquireRefreshLock(
  kv: KvStore,
  deps: { clock: Clock; random: Random; logger: Logger },
  accountId: string,
  opts: LockOptions,
): Promise<HeldLock | 'satisfied' | 'timeout'> {
  const key = LOCK_PREFIX + accountId;
  const owner = deps.random.bytes(16).toString('hex');
  const deadline = deps.clock.now() + opts.waitMs;
  let delay = 25;
  for (;;) {
    // A store refusing writes (Redis OOM) refuses the lock too: nobody can refresh, so keep waiting.
    const got = await kv.setIfAbsent(key, owner, opts.ttlMs).catch((err: unknown) => {
      deps.logger.warn('taking the refresh lock failed', { lock: key, err });
      return false;
    });
    if (got) return heldLock(kv, deps, key, owner, opts);
    if (opts.onPoll && (await opts.onPoll())) return 'satisfied';
    if (deps.clock.now() >= deadline) return 'timeout';
    await deps.clock.sleep(delay + deps.random.int(0, delay));
    delay = Math.min(delay * 2, 500);
  }
}

function heldLock(kv: KvStore, deps: { clock: Clock; logger: Logger }, key: string, owner: string, opts: LockOptions): HeldLock {
  let ttl = opts.ttlMs;
  let owned = true;
  let running = true;
  let timer: TimerHandle | undefined;
  const renew = async (): Promise<boolean> => {
    const ok = await kv.extendIfEquals(key, owner, ttl);
    if (!ok && owned) {
      owned = false;
      deps.logger.error('refresh lock lost: another process may now refresh this account', { lock: key });
    }
    return ok;
  };
  const beat = () => {
    if (!running) return;
    // A store that cannot answer leaves ownership unknown: keep trying on the next beat.
    void renew()
      .catch((err: unknown) => deps.logger.warn('renewing the refresh lock failed', { lock: key, err }))
      .finally(() => {
        if (running && owned) timer = deps.clock.setTimer(beat, opts.ttlMs / 3);
      });
  };
  timer = deps.clock.setTimer(beat, opts.ttlMs / 3);
  const stop = () => {
    running = false;
    timer?.cancel();
  };
  return {
    async hold() {
      ttl = opts.holdTtlMs;
      return owned && (await renew().catch(() => false));
    },
    owned: () => owned,
    async release() {
      stop();
      if (owned) await kv.deleteIfEquals(key, owner).catch(() => false);
    },
    abandon: stop,
  };
}
