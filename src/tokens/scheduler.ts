/**
 * Proactive refresh: each minted/imported/refreshed token is planned at expires_at minus a
 * jittered lead that scales with its lifetime (timing.ts), so a burst of accounts minted together
 * does not refresh together and short-lived tokens refresh once per lifetime. Due ids are claimed
 * from a DueQueue (heap in memory, sorted set on Redis where a claim is atomic, so replicas share
 * the load) as leases: a claimed id stays queued, due again when the lease ends, until the work
 * reschedules it — a replica that dies mid-refresh loses nothing. After the work:
 *   refreshed                      the token manager rescheduled it (tokenStored)
 *   nothing to do                  rescheduled from the account as stored
 *   transient failure / backoff    the token manager rescheduled it at the backoff's end
 *   OAuth client missing/rejected  retried slowly (`permanentRetryMs`), logged as an error; the
 *                                  account's `last_error` says why (the token manager wrote it) and
 *                                  `crm-mcp status` counts and lists such accounts
 *   anything else                  retried when the lease ends
 * The token manager's lock + re-check makes a claimed refresh happen once.
 */
import type { LinkedAccount } from '../accounts/model.js';
import type { Clock, Logger, Random, TimerHandle } from '../core/deps.js';
import { isCrmMcpError } from '../core/errors.js';
import type { AccountStore } from '../store/account-store.js';
import type { DueQueue } from './due-queue.js';
import { leadWindow, lifetimeOf, plannedRefreshAt } from './timing.js';

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
  /** Refreshes when expiring within `withinMs` (TokenManager.refreshIfExpiring): 'refreshed' when it did. */
  refresh(accountId: string, withinMs: number): Promise<unknown>;
  store?: AccountStore;
  tickMs?: number;
  maxPerTick?: number;
  concurrency?: number;
  /** A claim's lease: how long before an id whose claimer failed or died comes due again. */
  leaseMs?: number;
  /** How much later a refresh whose OAuth client is missing or rejected is tried again. */
  permanentRetryMs?: number;
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
  const tickMs = opts.tickMs ?? 1_000;
  const maxPerTick = opts.maxPerTick ?? 500;
  const concurrency = opts.concurrency ?? 8;
  const leaseMs = opts.leaseMs ?? 120_000;
  const permanentRetryMs = opts.permanentRetryMs ?? 1_800_000;
  // The widest lead any lifetime gets; the token manager's floor keeps short lifetimes from refreshing early.
  const within = leadWindow(undefined).maxMs + tickMs;
  const log = opts.logger.child({ component: 'refresh-scheduler' });
  let timer: TimerHandle | undefined;
  let running = false;
  let ticking: Promise<unknown> = Promise.resolve();

  function plannedAt(a: LinkedAccount): number | undefined {
    if (a.status !== 'active' || a.handed_off || a.authentication_method !== 'oauth2') return undefined;
    const t = a.context.oauth?.token;
    if (!t?.refresh_token || !t.expires_at) return undefined;
    const exp = Date.parse(t.expires_at);
    return plannedRefreshAt(exp, lifetimeOf(t, exp), tickMs, opts.random);
  }

  /** After a claim that refreshed nothing: plan from the account as stored; a plan already past keeps the lease. */
  async function replan(id: string, now: number): Promise<void> {
    if (!opts.store) return;
    const a = await opts.store.get(id);
    const at = a ? plannedAt(a) : undefined;
    if (at === undefined) await opts.queue.remove(id);
    else if (at > now) await opts.queue.add(id, at);
  }

  async function runOne(id: string, now: number): Promise<void> {
    try {
      if ((await opts.refresh(id, within)) !== 'refreshed') await replan(id, now);
    } catch (err) {
      if (isCrmMcpError(err, 'oauth_client_misconfigured')) {
        const at = opts.clock.now() + permanentRetryMs + opts.random.int(0, Math.floor(permanentRetryMs / 10) + 1);
        await opts.queue.add(id, at).catch((e: unknown) => log.warn('rescheduling failed', { account_id: id, err: e }));
        log.error('proactive refresh failed: the OAuth client is missing or rejected; retrying slowly', { account_id: id, retry_at: new Date(at).toISOString(), err });
      } else if (isCrmMcpError(err, 'transient_auth')) {
        log.warn('proactive refresh deferred', { account_id: id, err });
      } else {
        log.warn('proactive refresh failed; retried when its lease ends', { account_id: id, err });
      }
    }
  }

  async function tick(now = opts.clock.now()): Promise<string[]> {
    const ids = await opts.queue.claimDue(now, maxPerTick, now + leaseMs);
    let next = 0;
    const worker = async () => {
      while (next < ids.length) await runOne(ids[next++]!, now);
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
