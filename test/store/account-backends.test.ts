/** The AccountStore contract (encrypting codec) on memory, embedded SQLite and a real redis-server. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createMemoryKv } from '../helpers/memory-kv.js';
import { createRedisKv } from '../../src/store/redis-kv.js';
import { createSqliteKv } from '../../src/store/sqlite-kv.js';
import { redisAvailable, redisSkipReason, startRedis, type RedisHandle } from '../helpers/redis-server.js';
import { accountStoreContract } from './account-contract.js';

accountStoreContract('memory', async () => createMemoryKv());

const dir = mkdtempSync(join(tmpdir(), 'crm-mcp-acct-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
accountStoreContract('sqlite', () => createSqliteKv({ path: join(dir, `a-${++n}.sqlite`) }));

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
accountStoreContract('redis', () => createRedisKv({ url: redis!.url, prefix: `a${++r}:` }), redisAvailable ? false : redisSkipReason);
