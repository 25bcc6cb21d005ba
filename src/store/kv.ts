/**
 * The narrow key-value contract every backend implements (embedded SQLite via libsql,
 * Redis via @keyv/redis, in-memory for unit tests). Values are opaque strings: the layers
 * above serialize and encrypt. Every method throws on failure (CrmMcpError 'store_unavailable');
 * nothing is swallowed into events.
 *
 * Atomicity: `compareAndSet`, `setIfAbsent`, `extendIfEquals` and `deleteIfEquals` are atomic across
 * processes on
 * Redis and on the embedded file (SQLite's write lock), and within one process on the memory
 * backend. Several replicas of one deployment belong on Redis.
 */
export interface KvStore {
  readonly kind: 'sqlite' | 'redis' | 'memory';
  /** True when several processes may share this store (Redis). */
  readonly shared: boolean;
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, opts?: { ttlMs?: number }): Promise<void>;
  delete(key: string): Promise<boolean>;
  /** Every live (key, value) whose key starts with `prefix`, in no particular order. */
  scan(prefix: string): AsyncIterable<[string, string]>;
  /** Writes `next` only if the current value equals `expected` (undefined = absent). */
  compareAndSet(key: string, expected: string | undefined, next: string): Promise<boolean>;
  /** Lock acquisition: writes only if absent; the entry disappears after `ttlMs`. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  /**
   * Lock extension (a lease's watchdog): sets the entry's TTL to `ttlMs` from now only if its
   * current value equals `value`; false when it is absent, expired or someone else's.
   */
  extendIfEquals(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** Lock release: deletes only if the current value equals `value` (compare-and-delete). */
  deleteIfEquals(key: string, value: string): Promise<boolean>;
  /** How caches above this store learn of writes (read-cache.ts); absent on a store that cannot tell. */
  readonly changes?: KvChanges;
  close(): Promise<void>;
}

/**
 * Writes announced to in-memory caches. Every value change made through a KvStore (set, delete,
 * a compare-and-set or lock acquisition or release that took effect; not a lock's TTL extension)
 * is reported to this process's listeners when the write returns, and to other processes' as
 * soon as their backend learns of it (Redis: a message; the embedded file: `check`).
 */
export interface KvChanges {
  /**
   * True when other processes' writes are announced as they happen (Redis messages): `check` is
   * then only the backstop for a lost message. False when only `check` finds them (the embedded
   * file): a cache checks before every lookup (read-cache.ts).
   */
  readonly live: boolean;
  /**
   * `listener(key)`: `key` may hold a new value. `listener(undefined)`: any key may (another
   * process committed on the embedded file; the Redis message stream had a gap or a check found
   * writes no message announced). Returns the unsubscribe function.
   */
  subscribe(listener: (key: string | undefined) => void): () => void;
  /**
   * One store read: reports to the listeners, before it resolves, every write another process
   * committed before it was called that no message announced. Never throws: a store it cannot
   * reach is reported as `listener(undefined)` (nothing cached stays trusted).
   */
  check(): Promise<void>;
}
