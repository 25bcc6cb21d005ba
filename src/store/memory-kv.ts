/** In-memory KvStore for unit tests and ephemeral runs. Same contract as the real backends. */
import type { Clock } from '../core/deps.js';
import { systemClock } from '../core/deps.js';
import type { KvStore } from './kv.js';

export function createMemoryKv(clock: Clock = systemClock): KvStore {
  const data = new Map<string, { value: string; expiresAt?: number }>();
  const live = (key: string) => {
    const e = data.get(key);
    if (!e) return undefined;
    if (e.expiresAt !== undefined && e.expiresAt <= clock.now()) {
      data.delete(key);
      return undefined;
    }
    return e;
  };
  return {
    kind: 'memory',
    shared: false,
    async get(key) {
      return live(key)?.value;
    },
    async set(key, value, opts) {
      data.set(key, { value, ...(opts?.ttlMs !== undefined ? { expiresAt: clock.now() + opts.ttlMs } : {}) });
    },
    async delete(key) {
      return live(key) !== undefined && data.delete(key);
    },
    async *scan(prefix) {
      for (const key of [...data.keys()]) {
        if (!key.startsWith(prefix)) continue;
        const e = live(key);
        if (e) yield [key, e.value];
      }
    },
    async compareAndSet(key, expected, next) {
      if (live(key)?.value !== expected) return false;
      data.set(key, { value: next });
      return true;
    },
    async setIfAbsent(key, value, ttlMs) {
      if (live(key)) return false;
      data.set(key, { value, expiresAt: clock.now() + ttlMs });
      return true;
    },
    async deleteIfEquals(key, value) {
      if (live(key)?.value !== value) return false;
      return data.delete(key);
    },
    async close() {},
  };
}
