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
  close(): Promise<void>;
}
