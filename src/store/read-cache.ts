/**
 * In-memory caches of store reads (the bearer-token record, the decrypted account), kept exact
 * by the store's change announcements (kv.ts `KvChanges`) so a tool call costs at most one store
 * read in the steady state: the change check, shared by every cache of the store.
 *
 * An entry is served only while
 *  (1) no write to its key, nor an unattributed write, was announced since the read that filled
 *      it began (this process's writes are announced when they return);
 *  (2) the store was checked for writes no message announced: where other processes' writes
 *      come only through the check (the embedded file) before every lookup, one check per
 *      event-loop turn (a request's bearer-token and account lookups share it); where they come as
 *      messages (Redis), less than `checkEveryMs` ago, the bound when a message is lost. A failed
 *      check drops every entry;
 *  (3) it is younger than `maxAgeMs`: the last resort against a writer that announces nothing (a
 *      process of an older version during a rolling upgrade, a hand edit).
 * Only values found are cached: a miss, an error or an undecryptable record is read again each
 * time, so no failure outlives its cause. Keys written with a TTL do not belong here (expiry is
 * not announced). Cached values are shared: callers must not mutate them.
 */
import type { Clock } from '../core/deps.js';
import type { KvChanges } from './kv.js';

export interface ReadCache<V> {
  /** The value cached for `key`, else `load()`'s (cached when found and no change to it was announced meanwhile). */
  get(key: string, load: () => Promise<V | undefined>): Promise<V | undefined>;
}

export interface ReadCaches {
  /** A cache of values decoded from this store's `key`s (keys as the KvStore names them). */
  create<V>(): ReadCache<V>;
}

export interface ReadCacheOptions {
  changes: KvChanges;
  clock: Clock;
  /** Live stores (Redis): how stale, at most, an entry may be when a message was lost (default 250 ms). */
  checkEveryMs?: number;
  /** Entries per cache; the least recently used go first (default 10,000). */
  maxEntries?: number;
  /** An entry older than this is read again even though no write to it was announced (default 30 s). */
  maxAgeMs?: number;
}

export const DEFAULT_CHECK_EVERY_MS = 250;

export function createReadCaches(o: ReadCacheOptions): ReadCaches {
  const every = o.checkEveryMs ?? DEFAULT_CHECK_EVERY_MS;
  const max = o.maxEntries ?? 10_000;
  const maxAge = o.maxAgeMs ?? 30_000;
  const caches = new Set<Map<string, unknown>>();
  /** Bumped by every announcement: a read that began before one is not cached. */
  let epoch = 0;
  let checkedAt = -Infinity;
  let checking: Promise<void> | undefined;
  /** Not live: this event-loop turn already checked. */
  let checkedThisTurn = false;

  o.changes.subscribe((key) => {
    epoch++;
    for (const entries of caches) {
      if (key === undefined) entries.clear();
      else entries.delete(key);
    }
  });

  /** The check due before a lookup, if any (rule 2 above); one check shared by concurrent callers. */
  const fresh = (): Promise<void> | undefined => {
    if (checking) return checking;
    const now = o.clock.now();
    if (!o.changes.live) {
      if (checkedThisTurn) return undefined;
      checkedThisTurn = true;
      setImmediate(() => {
        checkedThisTurn = false;
      });
    } else if (now - checkedAt < every) return undefined;
    checking = o.changes
      .check()
      .then(() => {
        checkedAt = now;
      })
      .finally(() => {
        checking = undefined;
      });
    return checking;
  };

  return {
    create<V>(): ReadCache<V> {
      const entries = new Map<string, { value: V; at: number }>();
      caches.add(entries as Map<string, unknown>);
      return {
        async get(key, load) {
          const pending = fresh();
          if (pending) await pending;
          const hit = entries.get(key);
          // Map order is insertion order: re-inserting marks it most recently used.
          entries.delete(key);
          if (hit && o.clock.now() - hit.at < maxAge) {
            entries.set(key, hit);
            return hit.value;
          }
          const before = epoch;
          const at = o.clock.now();
          const value = await load();
          if (value !== undefined && epoch === before) {
            entries.set(key, { value, at });
            if (entries.size > max) entries.delete(entries.keys().next().value!);
          }
          return value;
        },
      };
    },
  };
}
