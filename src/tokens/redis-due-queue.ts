/**
 * Due queue on a Redis sorted set (score = due time, ms). `claimDue` is one Lua script
 * (ZRANGEBYSCORE, then ZADD of each id at the lease's end), so replicas sharing the Redis each
 * claim a disjoint slice of what is due, and an id a dead replica claimed comes due again; the
 * token manager's lock + re-check still guards the refresh itself.
 * Key: `<kv prefix>sched:token-refresh`.
 */
import type { RedisKv } from '../store/redis-kv.js';
import type { DueQueue } from './due-queue.js';

export const SCHEDULE_KEY = 'sched:token-refresh';

const CLAIM = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(ids) do redis.call('ZADD', KEYS[1], ARGV[3], id) end
return ids`;

export function createRedisDueQueue(kv: Pick<RedisKv, 'client' | 'prefix'>): DueQueue {
  const key = kv.prefix + SCHEDULE_KEY;
  const c = kv.client;
  return {
    async add(id, at) {
      await c.zAdd(key, { score: at, value: id });
    },
    async remove(id) {
      await c.zRem(key, id);
    },
    async claimDue(now, limit, leaseUntil) {
      const out = await c.eval(CLAIM, { keys: [key], arguments: [String(now), String(limit), String(leaseUntil)] });
      return Array.isArray(out) ? out.map(String) : [];
    },
    async peek(limit) {
      const rows = await c.zRangeWithScores(key, 0, Math.max(0, limit - 1));
      return rows.map((r) => ({ id: String(r.value), at: Number(r.score) }));
    },
    async size() {
      return Number(await c.zCard(key));
    },
  };
}
