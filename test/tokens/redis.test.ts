import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cryptoRandom, systemClock } from '../../src/core/deps.js';
import { isCrmMcpError } from '../../src/core/errors.js';
import { createMemoryLogger } from '../../src/core/logger.js';
import { plainCodec } from '../../src/store/codec.js';
import { createAccountStore } from '../../src/store/kv-account-store.js';
import { createRedisKv, type RedisKv } from '../../src/store/redis-kv.js';
import { LOCK_PREFIX } from '../../src/tokens/lock.js';
import { createTokenManager } from '../../src/tokens/manager.js';
import { createRedisDueQueue } from '../../src/tokens/redis-due-queue.js';
import { createRefreshScheduler } from '../../src/tokens/scheduler.js';
import { redisAvailable, redisSkipReason, startRedis, type RedisHandle } from '../helpers/redis-server.js';
import { startTestOAuth, type TestOAuth } from './helpers/oauth.js';
import { tokenFor } from './helpers/calls.js';
import { oauthAccount } from './helpers/setup.js';

const worker = new URL('./fixtures/worker.ts', import.meta.url).pathname;

function run(args: string[]): { child: ChildProcess; out: Promise<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', worker, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  return { child, out: new Promise((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`worker exited ${code}: ${err}`))))) };
}

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

  it('4 processes × 50 concurrent callers: one token request, no invalid_grant, account active, newest refresh token stored', async () => {
    const store = createAccountStore({ kv, codec: plainCodec, clock: systemClock });
    fake.seed('rt_multi_0');
    await store.put(oauthAccount('multi', { access: 'at_multi_old', refresh: 'rt_multi_0', expiresAt: Date.now() - 1000 }));
    const before = fake.provider.stats.tokenRequests;
    const startAt = Date.now() + 2500;
    const runs = Array.from({ length: 4 }, () => run(['refresh', redis.url, fake.tokenUrl, 'multi', '50', String(startAt)]));
    const outs = (await Promise.all(runs.map((r) => r.out))).map((o) => JSON.parse(o.trim()) as { tokens: string[]; errors: string[] });
    expect(outs.flatMap((o) => o.errors)).toEqual([]);
    const tokens = outs.flatMap((o) => o.tokens);
    expect(tokens).toHaveLength(200);
    expect(new Set(tokens).size).toBe(1);
    expect(fake.provider.stats.tokenRequests - before).toBe(1);
    expect(fake.provider.stats.invalidGrants).toBe(0);
    expect(fake.provider.stats.reuseRevocations).toBe(0);
    expect(tokens[0]).toBe(fake.provider.stats.issuedAccessTokens.at(-1));
    const stored = await store.get('multi');
    expect(stored?.status).toBe('active');
    const newest = fake.provider.currentRefreshToken('rt_multi_0');
    expect(newest).toBeDefined();
    expect(newest).not.toBe('rt_multi_0');
    expect(stored?.context.oauth?.token.refresh_token).toBe(newest);
    expect(fake.provider.isGrantRevoked('rt_multi_0')).toBe(false);
    expect(fake.provider.refreshTokenStatus('rt_multi_0')).toBe('consumed');
  }, 60_000);

  it('a lock holder killed before sending its request blocks the account only until the lock TTL; the account stays active', async () => {
    const store = createAccountStore({ kv, codec: plainCodec, clock: systemClock });
    fake.seed('rt_dead_0');
    await store.put(oauthAccount('dead', { access: 'at_dead_old', refresh: 'rt_dead_0', expiresAt: Date.now() - 1000 }));
    const before = fake.provider.stats.tokenRequests;
    const TTL = 3000;
    const holder = run(['die-in-refresh', redis.url, fake.tokenUrl, 'dead', String(TTL)]);
    holder.out.catch(() => undefined);
    await new Promise<void>((resolve) => holder.child.stdout!.on('data', (b: Buffer) => b.toString().includes('sending') && resolve()));
    const lockKey = `${kv.prefix}${LOCK_PREFIX}dead`;
    const remaining = await kv.client.pTTL(lockKey);
    expect(remaining).toBeGreaterThan(0);
    expect(remaining).toBeLessThanOrEqual(TTL);
    const exited = new Promise((r) => holder.child.once('exit', r));
    holder.child.kill('SIGKILL');
    await exited;
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
    const claims = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? q1 : q2).claimDue(2000, 60)));
    const all = claims.flat();
    expect(all).toHaveLength(500);
    expect(new Set(all).size).toBe(500);
    expect(await q1.peek(5)).toEqual([{ id: 'later', at: 10_000 }]);
    await q2.remove('later');
    expect(await q1.size()).toBe(0);
    await kv2.close();
  });
});
