/**
 * Redis KvStore through @keyv/redis's adapter, used directly with string values and no
 * namespace, so raw keys are exactly `prefix + key` (predictable for operators and for the
 * token manager, which uses `client` for sorted sets and its distributed lock).
 *
 * Atomic across processes: compareAndSet and deleteIfEquals are Lua scripts, setIfAbsent is
 * SET NX PX. Every failure throws CrmMcpError('store_unavailable') with the cause; commands
 * fail fast while disconnected (no offline queue) instead of hanging.
 */
import KeyvRedis, { createClient } from '@keyv/redis';
import { CrmMcpError } from '../core/errors.js';
import type { KvStore } from './kv.js';

export interface RedisKvOptions {
  url: string;
  /** Prepended to every key (e.g. 'crm:'); default none. */
  prefix?: string;
  connectTimeoutMs?: number;
}

/**
 * Before the first successful connection a failure ends the attempt (startup fails fast with
 * the cause); after it, the client keeps reconnecting with capped backoff while calls fail fast.
 */
function makeClient(url: string, connectTimeoutMs: number, connected: () => boolean) {
  return createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: connectTimeoutMs,
      reconnectStrategy: (retries: number, cause: Error) => (connected() ? Math.min(50 * 2 ** retries, 2_000) : cause),
    },
  });
}

export type RedisClient = ReturnType<typeof makeClient>;

export type RedisKv = KvStore & { readonly client: RedisClient; readonly prefix: string };

// Absent is encoded as an empty ARGV flag so `expected === undefined` can be told from ''.
const CAS_SCRIPT = `
local cur = redis.call('GET', KEYS[1])
if ARGV[1] == '0' then
  if cur then return 0 end
elseif cur ~= ARGV[2] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[3])
return 1`;

// PEXPIRE, unlike SET, is allowed when Redis is out of memory: a holder keeps its lock while
// Redis refuses writes.
const EXPIRE_IF_EQ_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

const DEL_IF_EQ_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** Escapes Redis glob metacharacters so a prefix matches literally in SCAN MATCH. */
export function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\^-]/g, (c) => `\\${c}`);
}

export async function createRedisKv(opts: RedisKvOptions): Promise<RedisKv> {
  const prefix = opts.prefix ?? '';
  let everReady = false;
  const client = makeClient(opts.url, opts.connectTimeoutMs ?? 5_000, () => everReady);
  client.on('ready', () => {
    everReady = true;
  });
  // Without a listener an 'error' event would crash the process; calls report errors themselves.
  client.on('error', () => {});
  const adapter = new KeyvRedis<string>(client, { throwOnErrors: true, throwOnConnectError: true, useUnlink: false });
  // Errors surface as thrown CrmMcpErrors from each call; the event stream would only duplicate them.
  adapter.on('error', () => {});
  const where = redactUrl(opts.url);

  const wrap = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (cause) {
      if (cause instanceof CrmMcpError) throw cause;
      throw new CrmMcpError('store_unavailable', `redis (${where}) ${what} failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    }
  };

  await wrap('connect', async () => {
    await client.connect();
  });

  const k = (key: string) => prefix + key;

  return {
    kind: 'redis',
    shared: true,
    client,
    prefix,
    get: (key) => wrap('GET', () => adapter.get<string>(k(key))),
    set: (key, value, o) => wrap('SET', () => adapter.set(k(key), value, o?.ttlMs)),
    delete: (key) => wrap('DEL', async () => (await client.del(k(key))) > 0),
    async *scan(p) {
      const match = escapeGlob(prefix + p) + '*';
      const batches = client.scanIterator({ MATCH: match, COUNT: 500 });
      for (;;) {
        const next = await wrap('SCAN', () => batches.next());
        if (next.done) return;
        const batch = next.value;
        if (batch.length === 0) continue;
        const values = await wrap('MGET', () => client.mGet(batch));
        for (let i = 0; i < batch.length; i++) {
          const v = values[i];
          const key = batch[i];
          if (typeof v === 'string' && key !== undefined) yield [key.slice(prefix.length), v] as [string, string];
        }
      }
    },
    compareAndSet: (key, expected, next) =>
      wrap('compare-and-set', async () => {
        const args = expected === undefined ? ['0', '', next] : ['1', expected, next];
        return (await client.eval(CAS_SCRIPT, { keys: [k(key)], arguments: args })) === 1;
      }),
    setIfAbsent: (key, value, ttlMs) =>
      wrap('SET NX', async () => (await client.set(k(key), value, { condition: 'NX', expiration: { type: 'PX', value: Math.max(1, Math.ceil(ttlMs)) } })) === 'OK'),
    extendIfEquals: (key, value, ttlMs) =>
      wrap('compare-and-expire', async () => (await client.eval(EXPIRE_IF_EQ_SCRIPT, { keys: [k(key)], arguments: [value, String(Math.max(1, Math.ceil(ttlMs)))] })) === 1),
    deleteIfEquals: (key, value) =>
      wrap('compare-and-delete', async () => (await client.eval(DEL_IF_EQ_SCRIPT, { keys: [k(key)], arguments: [value] })) === 1),
    async close() {
      if (!client.isOpen) return;
      await wrap('close', () => client.close());
    },
  };
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '****';
    return u.toString();
  } catch {
    return 'invalid url';
  }
}
