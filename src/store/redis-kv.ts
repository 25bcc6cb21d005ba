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
import { CHANGE_CHANNEL, createRedisChanges, GENERATION_KEY } from './redis-changes.js';

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

/**
 * set, delete and compare-and-set announce their write in the same script (redis-changes.ts):
 * INCR of the generation key (KEYS[2]), then PUBLISH `<generation> <key>` on the change channel
 * (ARGV[1]; ARGV[2] is the key without the prefix). A DEL is allowed when Redis is out of memory
 * and INCR is not: then `- <key>` is published, which subscribers take as "any key changed".
 * Lock operations are not announced: no cache holds a lock.
 */
const ANNOUNCE = `local function announce()
  local g = redis.pcall('INCR', KEYS[2])
  redis.pcall('PUBLISH', ARGV[1], (type(g) == 'number' and g or '-') .. ' ' .. ARGV[2])
end
`;

// Absent is encoded as an empty ARGV flag so `expected === undefined` can be told from ''.
const CAS_SCRIPT = `${ANNOUNCE}
local cur = redis.call('GET', KEYS[1])
if ARGV[3] == '0' then
  if cur then return 0 end
elseif cur ~= ARGV[4] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[5])
announce()
return 1`;

const SET_SCRIPT = `${ANNOUNCE}
if ARGV[4] == '' then redis.call('SET', KEYS[1], ARGV[3]) else redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4]) end
announce()
return 1`;

const DEL_SCRIPT = `${ANNOUNCE}
local n = redis.call('DEL', KEYS[1])
if n > 0 then announce() end
return n`;

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
  const changes = createRedisChanges(client, prefix);
  /** Runs a script that announces its write (ANNOUNCE): keys [key, generation], arguments [channel, key, ...args]. */
  const announcing = async (script: string, key: string, args: string[]): Promise<unknown> => {
    const out = await client.eval(script, { keys: [k(key), k(GENERATION_KEY)], arguments: [k(CHANGE_CHANNEL), key, ...args] });
    if (out !== 0) changes.wrote(key);
    return out;
  };

  return {
    kind: 'redis',
    shared: true,
    client,
    prefix,
    changes,
    get: (key) => wrap('GET', () => adapter.get<string>(k(key))),
    set: (key, value, o) =>
      wrap('SET', async () => {
        await announcing(SET_SCRIPT, key, [value, o?.ttlMs ? String(Math.max(1, Math.ceil(o.ttlMs))) : '']);
      }),
    delete: (key) => wrap('DEL', async () => ((await announcing(DEL_SCRIPT, key, [])) as number) > 0),
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
      wrap('compare-and-set', async () => (await announcing(CAS_SCRIPT, key, expected === undefined ? ['0', '', next] : ['1', expected, next])) === 1),
    setIfAbsent: (key, value, ttlMs) =>
      wrap('SET NX', async () => (await client.set(k(key), value, { condition: 'NX', expiration: { type: 'PX', value: Math.max(1, Math.ceil(ttlMs)) } })) === 'OK'),
    extendIfEquals: (key, value, ttlMs) =>
      wrap('compare-and-expire', async () => (await client.eval(EXPIRE_IF_EQ_SCRIPT, { keys: [k(key)], arguments: [value, String(Math.max(1, Math.ceil(ttlMs)))] })) === 1),
    deleteIfEquals: (key, value) =>
      wrap('compare-and-delete', async () => (await client.eval(DEL_IF_EQ_SCRIPT, { keys: [k(key)], arguments: [value] })) === 1),
    async close() {
      await changes.close();
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
