/**
 * Proactive refresh: each minted/imported/refreshed token is refreshed at
 * expires_at − uniform(60 s, 180 s) (due times allow for tick granularity) so a burst of accounts minted together does not refresh
 * together. Due ids are claimed from a DueQueue (heap in memory, sorted set on Redis where a
 * claim is atomic, so replicas share the load); the token manager's lock + re-check makes a
 * claimed refresh happen once.
 */
import type { LinkedAccount } from '../accounts/model.js';
import type { Clock, Logger, Random, TimerHandle } from '../core/deps.js';
import type { AccountStore } from '../store/account-store.js';
import type { DueQueue } from './due-queue.js';

/** What code that stores or drops tokens needs of the schedule (connect, import, export, the token manager). */
export interface TokenScheduler {
  /** The token manager's hook: a token was minted or imported for this account (schedule its refresh). */
  tokenStored(account: LinkedAccount): void | Promise<void>;
  /**
   * This instance no longer refreshes the account (handed off or deleted): drop its scheduled
   * refresh. The token manager must still re-check `handed_off` when a refresh comes due, since
   * another replica may hold the schedule.
   */
  forget?(accountId: string): void | Promise<void>;
}

export interface RefreshSchedulerOptions {
  clock: Clock;
  random: Random;
  logger: Logger;
  queue: DueQueue;
  /** Refreshes when expiring within `withinMs` (TokenManager.refreshIfExpiring). */
  refresh(accountId: string, withinMs: number): Promise<unknown>;
  store?: AccountStore;
  /** Lead window (ms) before expiry: uniform in [min, max). */
  leadMinMs?: number;
  leadMaxMs?: number;
  tickMs?: number;
  maxPerTick?: number;
  concurrency?: number;
}

export interface RefreshScheduler {
  /** Schedules from the account's token expiry; unschedules accounts that must not be refreshed. */
  tokenStored(account: LinkedAccount): Promise<void>;
  schedule(accountId: string, at: number): Promise<void>;
  unschedule(accountId: string): Promise<void>;
  forget(accountId: string): Promise<void>;
  /** Claims and runs what is due at `now`; resolves when those refreshes settled. Returns the ids run. */
  tick(now?: number): Promise<string[]>;
  /** Reschedules every refreshable account from the store (startup). Returns how many were scheduled. */
  rebuild(): Promise<number>;
  upcoming(limit: number): Promise<Array<{ account_id: string; at: string }>>;
  start(): void;
  stop(): void;
}

export function createRefreshScheduler(opts: RefreshSchedulerOptions): RefreshScheduler {
  const leadMin = opts.leadMinMs ?? 60_000;
  const leadMax = opts.leadMaxMs ?? 180_000;
  const tickMs = opts.tickMs ?? 1_000;
  const maxPerTick = opts.maxPerTick ?? 500;
  const concurrency = opts.concurrency ?? 8;
  const log = opts.logger.child({ component: 'refresh-scheduler' });
  let timer: TimerHandle | undefined;
  let running = false;
  let ticking: Promise<unknown> = Promise.resolve();

  function plannedAt(a: LinkedAccount): number | undefined {
    if (a.status !== 'active' || a.handed_off || a.authentication_method !== 'oauth2') return undefined;
    const t = a.context.oauth?.token;
    if (!t?.refresh_token || !t.expires_at) return undefined;
    const exp = Date.parse(t.expires_at);
    // A claim runs up to one tick after its due time, so the earliest due time is one tick earlier
    // than the window's end: the refresh itself then lands inside [leadMin, leadMax] before expiry.
    const earliest = Math.min(leadMax, leadMin + tickMs);
    return exp - (earliest + opts.random.int(0, leadMax - earliest + 1));
  }

  async function tick(now = opts.clock.now()): Promise<string[]> {
    const ids = await opts.queue.claimDue(now, maxPerTick);
    let next = 0;
    const worker = async () => {
      while (next < ids.length) {
        const id = ids[next++]!;
        try {
          await opts.refresh(id, leadMax + tickMs);
        } catch (err) {
          log.warn('proactive refresh failed', { account_id: id, err });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, worker));
    return ids;
  }

  const api: RefreshScheduler = {
    async tokenStored(a) {
      const at = plannedAt(a);
      if (at === undefined) await opts.queue.remove(a.id);
      else await opts.queue.add(a.id, at);
    },
    schedule: (id, at) => opts.queue.add(id, at),
    unschedule: (id) => opts.queue.remove(id),
    forget: (id) => opts.queue.remove(id),
    tick,
    async rebuild() {
      if (!opts.store) return 0;
      let n = 0;
      for await (const a of opts.store.list({ onCorrupt: (id) => log.warn('skipping unreadable account', { account_id: id }) })) {
        const at = plannedAt(a);
        if (at !== undefined) {
          await opts.queue.add(a.id, at);
          n++;
        }
      }
      return n;
    },
    async upcoming(limit) {
      return (await opts.queue.peek(limit)).map((e) => ({ account_id: e.id, at: new Date(e.at).toISOString() }));
    },
    start() {
      if (running) return;
      running = true;
      const loop = () => {
        if (!running) return;
        ticking = tick().catch((err: unknown) => log.error('scheduler tick failed', { err }));
        void ticking.finally(() => {
          if (running) timer = opts.clock.setTimer(loop, tickMs);
        });
      };
      timer = opts.clock.setTimer(loop, 0);
    },
    stop() {
      running = false;
      timer?.cancel();
      timer = undefined;
    },
  };
  return api;
}
