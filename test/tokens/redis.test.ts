import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cryptoRandom, systemClock } from '../../src/core/deps.js';
import { isCrmMcpError } from '../../src/core/errors.js';
import { createMemoryLogger } from '../helpers/logger.js';
import { plainCodec } from '../helpers/memory-kv.js';
import { createAccountStore } from '../../src/store/kv-account-store.js';
import { createRedisKv, type RedisKv } from '../../src/store/redis-kv.js';
import { LOCK_PREFIX } from '../../src/tokens/lock.js';
import { createTokenManager } from '../../src/tokens/manager.js';
import { createRedisDueQueue } from '../../src/tokens/redis-due-queue.js';
import { createRefreshScheduler } from '../../src/tokens/scheduler.js';
import { ROOT } from '../helpers/dist.js';
import { spawnIpcChild, type IpcMessage } from '../helpers/ipc-child.js';
import { redisAvailable, redisSkipReason, startRedis, type RedisHandle } from '../helpers/redis-server.js';
import { startTestOAuth, type TestOAuth } from './helpers/oauth.js';
import { tokenFor } from './helpers/calls.js';
import { oauthAccount } from './helpers/setup.js';

/** The last message test/tokens/fixtures/worker.mjs sends (before it: 'ready', 'lock-held', 'sending'). */
type Done = IpcMessage & { type: 'done'; tokens: string[]; errors: string[]; lock: { attempts: number; acquired: number; denied: number } };

const run = (args: string[]) => spawnIpcChild(join(ROOT, 'test/tokens/fixtures/worker.mjs'), args);

describe.skipIf(!redisAvailable)(`token manager on a shared Redis${redisAvailable ? '' : ` (${redisSkipReason})`}`, () => {
  let redis: RedisHandle;
  let kv: RedisKv;
  let fake: TestOAuth;
  beforeAll(async () => {
    redis = await startRedis();
    kv = await createRedisKv({ url: redis.url, prefix: 'test:' });
    // Rotation with reuse detection: a second use of a consumed refresh token revokes the whole grant.
    fake = await startTestOAuth({ rotateRefreshTokens: true, reuseDetection: true, delayMs: 150 });
  });
  afterAll(async () => {
    await kv?.close();
    await fake?.close();
    await redis?.stop();
  });

  it('4 processes × 50 concurrent callers, released together: the three that find the lock taken wait on it; one token request, no invalid_grant, account active, newest refresh token stored', async () => {
    // A provider of its own whose answers wait for this test. The test releases the answer once the
    // one refresh is at the provider and each of the three other workers has found the lock taken,
    // or as soon as that can no longer happen (a second request arrived, a worker finished or died).
    const seen = { requests: 0, lockHeld: 0, finished: 0 };
    let recheck = () => {};
    const decided = new Promise<void>((resolve) => {
      recheck = () => {
        if ((seen.requests === 1 && seen.lockHeld === 3) || seen.requests > 1 || seen.finished > 0) resolve();
      };
    });
    let releaseAnswer!: () => void;
    const released = new Promise<void>((r) => (releaseAnswer = r));
    const gated = await startTestOAuth({ rotateRefreshTokens: true, reuseDetection: true, holdAnswer: () => {
        seen.requests++;
        recheck();
        return released;
      },
    });
    const workers: Array<ReturnType<typeof run>> = [];
    try {
      const store = createAccountStore({ kv, codec: plainCodec, clock: systemClock });
      gated.seed('rt_multi_0');
      await store.put(oauthAccount('multi', { access: 'at_multi_old', refresh: 'rt_multi_0', expiresAt: Date.now() - 1000 }));
      for (let i = 0; i < 4; i++) workers.push(run(['refresh', redis.url, gated.tokenUrl, 'multi', '50']));
      for (const w of workers) {
        void w.next('lock-held').then(() => {
          seen.lockHeld++;
          recheck();
        }, () => undefined);
        void w.exited.then(() => {
          seen.finished++;
          recheck();
        });
      }
      // Barrier: every worker connected and built its token manager, then all start at once.
      await Promise.all(workers.map((w) => w.next('ready')));
      for (const w of workers) w.child.send({ type: 'go' });
      await decided;
      expect(seen).toEqual({ requests: 1, lockHeld: 3, finished: 0 });
      releaseAnswer();
      const outs = await Promise.all(workers.map((w) => w.next<Done>('done')));
      // Contention happened: every worker went for the lock; all but the one that refreshed found it taken.
      expect(outs.every((o) => o.lock.attempts > 0)).toBe(true);
      expect(outs.filter((o) => o.lock.denied > 0)).toHaveLength(3);
      expect(outs.filter((o) => o.lock.denied === 0 && o.lock.acquired === 1)).toHaveLength(1);
      expect(outs.flatMap((o) => o.errors)).toEqual([]);
      const tokens = outs.flatMap((o) => o.tokens);
      expect(tokens).toHaveLength(200);
      expect(new Set(tokens).size).toBe(1);
      expect(gated.provider.stats.tokenRequests).toBe(1);
      expect(gated.provider.stats.invalidGrants).toBe(0);
      expect(gated.provider.stats.reuseRevocations).toBe(0);
      expect(tokens[0]).toBe(gated.provider.stats.issuedAccessTokens.at(-1));
      const stored = await store.get('multi');
      expect(stored?.status).toBe('active');
      const newest = gated.provider.currentRefreshToken('rt_multi_0');
      expect(newest).toBeDefined();
      expect(newest).not.toBe('rt_multi_0');
      expect(stored?.context.oauth?.token.refresh_token).toBe(newest);
      expect(gated.provider.isGrantRevoked('rt_multi_0')).toBe(false);
      expect(gated.provider.refreshTokenStatus('rt_multi_0')).toBe('consumed');
    } finally {
      releaseAnswer();
      for (const w of workers) w.child.kill();
      await gated.close();
    }
  }, 60_000);

  it('a lock holder killed as its request leaves blocks the account only until the lock\'s hold TTL (no one presents a refresh token it may have spent); the account stays active', async () => {
    const store = createAccountStore({ kv, codec: plainCodec, clock: systemClock });
    fake.seed('rt_dead_0');
    await store.put(oauthAccount('dead', { access: 'at_dead_old', refresh: 'rt_dead_0', expiresAt: Date.now() - 1000 }));
    const before = fake.provider.stats.tokenRequests;
    const TTL = 3000;
    const holder = run(['die-in-refresh', redis.url, fake.tokenUrl, 'dead', String(TTL)]);
    await holder.next('sending');
    const lockKey = `${kv.prefix}${LOCK_PREFIX}dead`;
    const remaining = await kv.client.pTTL(lockKey);
    expect(remaining).toBeGreaterThan(0);
    expect(remaining).toBeLessThanOrEqual(TTL);
    holder.child.kill('SIGKILL');
    expect((await holder.exited).signal).toBe('SIGKILL');
    expect(fake.provider.stats.tokenRequests - before).toBe(0); // it died before its request reached the provider
    const deps = { clock: systemClock, random: cryptoRandom, logger: createMemoryLogger() };
    const cfg = async () => fake.config();
    // A short wait while the dead holder's lock lives: transient, never needs_reauth.
    const impatient = createTokenManager({ deps, store, kv, resolveRefreshConfig: cfg, lockTtlMs: TTL, lockWaitMs: 200 });
    const e = await tokenFor(impatient, store, 'dead').catch((x: unknown) => x);
    expect(isCrmMcpError(e, 'transient_auth')).toBe(true);
    expect((e as { details?: { reason?: string } }).details?.reason).toBe('lock_timeout');
    expect((await store.get('dead'))?.status).toBe('active');
    // Waiting at most the lock's remaining TTL (plus polling slack) is enough: the dead lock expires on its own.
    const patient = createTokenManager({ deps, store, kv, resolveRefreshConfig: cfg, lockTtlMs: TTL, lockWaitMs: remaining + 2000 });
    const got = await tokenFor(patient, store, 'dead');
    expect(got.accessToken).toBe(fake.provider.stats.issuedAccessTokens.at(-1));
    expect(fake.provider.stats.tokenRequests - before).toBe(1);
    const stored = await store.get('dead');
    expect(stored?.status).toBe('active');
    expect(stored?.last_error ?? null).toBeNull();
    expect(await kv.client.exists(lockKey)).toBe(0);
  }, 30_000);

  it('two replicas on one Redis: every due refresh happens once, the replicas share the load, a stale claim refreshes nothing', async () => {
    const replicas = await Promise.all(
      ['r1', 'r2'].map(async (name) => {
        // A prefix of their own: the other tests' accounts are not part of this deployment.
        const rkv = await createRedisKv({ url: redis.url, prefix: 'replicas:' });
        const store = createAccountStore({ kv: rkv, codec: plainCodec, clock: systemClock });
        const deps = { clock: systemClock, random: cryptoRandom, logger: createMemoryLogger() };
        const manager = createTokenManager({ deps, store, kv: rkv, resolveRefreshConfig: async () => fake.config() });
        const ran: string[] = [];
        const scheduler = createRefreshScheduler({
          ...deps,
          queue: createRedisDueQueue(rkv),
          store,
          maxPerTick: 10,
          refresh: async (id, within) => {
            if ((await manager.refreshIfExpiring(id, within)) === 'refreshed') ran.push(id);
          },
        });
        return { name, rkv, store, scheduler, ran };
      }),
    );
    const [r1, r2] = [replicas[0]!, replicas[1]!];
    try {
      const before = fake.provider.stats.tokenRequests;
      const exp = Date.now() + 100_000;
      for (let i = 0; i < 100; i++) {
        fake.seed(`rt_rep_${i}`);
        await r1.store.put(oauthAccount(`rep${i}`, { access: `at_rep_${i}`, refresh: `rt_rep_${i}`, expiresAt: exp }));
      }
      // Both start up and rebuild the shared schedule from the store.
      expect(await r1.scheduler.rebuild()).toBe(100);
      expect(await r2.scheduler.rebuild()).toBe(100);
      const due = exp; // every refresh is planned at least 60 s before expiry
      for (;;) {
        const [a, b] = await Promise.all([r1.scheduler.tick(due), r2.scheduler.tick(due)]);
        if (a.length === 0 && b.length === 0) break;
      }
      expect(fake.provider.stats.tokenRequests - before).toBe(100);
      expect(new Set([...r1.ran, ...r2.ran]).size).toBe(100);
      expect(r1.ran.length + r2.ran.length).toBe(100);
      expect(r1.ran.length).toBeGreaterThanOrEqual(20);
      expect(r2.ran.length).toBeGreaterThanOrEqual(20);
      // A replica acting on a stale claim: the re-check finds a fresh token and sends nothing.
      await r2.scheduler.schedule('rep7', 0);
      expect(await r2.scheduler.tick(Date.now())).toEqual(['rep7']);
      expect(fake.provider.stats.tokenRequests - before).toBe(100);
      expect(fake.provider.stats.invalidGrants).toBe(0);
      for (let i = 0; i < 100; i++) expect((await r1.store.get(`rep${i}`))?.context.oauth?.token.refresh_token).toBe(fake.provider.currentRefreshToken(`rt_rep_${i}`));
    } finally {
      for (const r of replicas) await r.rkv.close();
    }
  }, 60_000);

  it('the sorted-set due queue hands each due id to exactly one of several claimers', async () => {
    const q1 = createRedisDueQueue(kv);
    const kv2 = await createRedisKv({ url: redis.url, prefix: 'test:' });
    const q2 = createRedisDueQueue(kv2);
    for (let i = 0; i < 500; i++) await q1.add(`d${i}`, 1000 + i);
    await q1.add('later', 10_000);
    const claims = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? q1 : q2).claimDue(2000, 60, 50_000)));
    const all = claims.flat();
    expect(all).toHaveLength(500);
    expect(new Set(all).size).toBe(500);
    // Claims are leases: every claimed id is due again at the lease's end, after the unclaimed one.
    expect(await q1.peek(1)).toEqual([{ id: 'later', at: 10_000 }]);
    expect(await q1.size()).toBe(501);
    expect(await q2.claimDue(49_999, 1000, 60_000)).toEqual(['later']);
    expect(new Set(await q1.claimDue(50_000, 1000, 90_000))).toEqual(new Set(all));
    for (const id of [...all, 'later']) await q2.remove(id);
    expect(await q1.size()).toBe(0);
    await kv2.close();
  });
});
