/**
 * In-memory caches of store reads (the bearer-token record, the decrypted account), kept exact
 * by the store's change announcements (kv.ts `KvChanges`) so a tool call costs at most one store
 * read in the steady state: the change check, at most once per `checkEveryMs`, shared by every
 * cache of the store.
 *
 * An entry is served only while (1) no write to its key, nor an unattributed write, was announced
 * since the read that filled it began, and (2) the store was checked for unannounced writes (by
 * other processes: a lost Redis message, a commit on the embedded file) less than `checkEveryMs`
 * ago: that bound is the backstop when messages are lost. A failed check drops every entry.
 * Only values found are cached: a miss, an error or an undecryptable record is read again each
 * time, so no failure outlives its cause. Cached values are shared: callers must not mutate them.
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
  /** How stale, at most, an entry may be when another process's write was not announced (default 250 ms). */
  checkEveryMs?: number;
  /** Entries per cache; the least recently used go first (default 10,000). */
  maxEntries?: number;
}

export const DEFAULT_CHECK_EVERY_MS = 250;

export function createReadCaches(o: ReadCacheOptions): ReadCaches {
  const every = o.checkEveryMs ?? DEFAULT_CHECK_EVERY_MS;
  const max = o.maxEntries ?? 10_000;
  const caches = new Set<Map<string, unknown>>();
  /** Bumped by every announcement: a read that began before one is not cached. */
  let epoch = 0;
  let checkedAt = -Infinity;
  let checking: Promise<void> | undefined;

  o.changes.subscribe((key) => {
    epoch++;
    for (const entries of caches) {
      if (key === undefined) entries.clear();
      else entries.delete(key);
    }
  });

  /** Resolves once no unannounced write older than `every` can remain; one check shared by concurrent callers. */
  const fresh = (): Promise<void> | undefined => {
    if (checking) return checking;
    const now = o.clock.now();
    if (now - checkedAt < every) return undefined;
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
      const entries = new Map<string, V>();
      caches.add(entries as Map<string, unknown>);
      return {
        async get(key, load) {
          const pending = fresh();
          if (pending) await pending;
          const hit = entries.get(key);
          if (hit !== undefined) {
            // Map order is insertion order: re-inserting marks it most recently used.
            entries.delete(key);
            entries.set(key, hit);
            return hit;
          }
          const before = epoch;
          const value = await load();
          if (value !== undefined && epoch === before) {
            entries.set(key, value);
            if (entries.size > max) entries.delete(entries.keys().next().value!);
          }
          return value;
        },
      };
    },
  };
}
