/**
 * In-memory KvStore for tests of the layers above the store (same contract as the real backends:
 * the contract suite runs on it too), and the account codec without encryption.
 */
import { systemClock, type Clock } from '../../src/core/deps.js';
import { parseJson, parseStoredAccount, type AccountCodec } from '../../src/store/codec.js';
import type { KvStore } from '../../src/store/kv.js';

/** Accounts as plain JSON, for tests that do not exercise encryption. */
export const plainCodec: AccountCodec = {
  encode: (account) => JSON.stringify(account),
  decode: (id, raw) => parseStoredAccount(id, parseJson(id, raw)),
};

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
    async extendIfEquals(key, value, ttlMs) {
      if (live(key)?.value !== value) return false;
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
