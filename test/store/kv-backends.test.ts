/** The KvStore contract against memory, embedded SQLite and a real redis-server. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createMemoryKv } from '../helpers/memory-kv.js';
import { createRedisKv } from '../../src/store/redis-kv.js';
import { createSqliteKv } from '../../src/store/sqlite-kv.js';
import { manualClock } from '../helpers/manual-clock.js';
import { redisAvailable, redisSkipReason, startRedis, type RedisHandle } from '../helpers/redis-server.js';
import { kvContract } from './kv-contract.js';

const memClock = manualClock();
kvContract({ name: 'memory', open: async () => createMemoryKv(memClock), advance: (ms) => memClock.advance(ms), ttlMs: 1_000 });

const dir = mkdtempSync(join(tmpdir(), 'crm-mcp-sqlite-kv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sqlClock = manualClock();
let n = 0;
kvContract({
  name: 'sqlite',
  open: () => createSqliteKv({ path: join(dir, `kv-${++n}.sqlite`), clock: sqlClock }),
  advance: (ms) => sqlClock.advance(ms),
  ttlMs: 1_000,
});

let redis: RedisHandle | undefined;
if (redisAvailable) {
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });
}
let r = 0;
kvContract(
  {
    name: 'redis',
    open: () => createRedisKv({ url: redis!.url, prefix: `t${++r}:` }),
    advance: (ms) => new Promise((res) => setTimeout(res, ms)),
    ttlMs: 150,
  },
  redisAvailable ? false : redisSkipReason,
);
