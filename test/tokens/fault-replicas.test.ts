/**
 * Faults 2 and 3 of issue 11: two replicas (token managers with their own Redis connections) on
 * one real Redis and a rotating provider with reuse detection.
 *  2. Redis refuses writes (OOM) while replica A stores the tokens it just obtained.
 *  3. The token endpoint trickles its answer for longer than the lock TTL.
 * Regression: A released the lock with the newest tokens only in memory (2) or lost it to the TTL
 * mid-request (3); B refreshed with the consumed refresh token, the provider revoked the grant, and
 * A's late write then flipped the account back to `active` with revoked tokens.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cryptoRandom, systemClock } from '../../src/core/deps.js';
import { isCrmMcpError } from '../../src/core/errors.js';
import { createAccountStore } from '../../src/store/kv-account-store.js';
import { createRedisKv, type RedisKv } from '../../src/store/redis-kv.js';
import { LOCK_PREFIX } from '../../src/tokens/lock.js';
import { createTokenManager, type TokenManagerOptions } from '../../src/tokens/manager.js';
import { createMemoryLogger } from '../helpers/logger.js';
import { plainCodec } from '../helpers/memory-kv.js';
import { redisAvailable, redisSkipReason, startRedis, type RedisHandle } from '../helpers/redis-server.js';
import { tokenFor } from './helpers/calls.js';
import { startTricklingTokenEndpoint } from './helpers/faults.js';
import { startTestOAuth, type TestOAuth } from './helpers/oauth.js';
import { oauthAccount } from './helpers/setup.js';
import { settle, until } from './helpers/wait.js';
import type { KvStore } from '../../src/store/kv.js';
import type { AccountStore } from '../../src/store/account-store.js';

const closers: Array<() => Promise<void>> = [];

/** A replica: its own Redis connection, store and token manager; lock attempts it lost are counted. */
async function replica(url: string, prefix: string, o: Partial<TokenManagerOptions> & Pick<TokenManagerOptions, 'resolveRefreshConfig'>) {
  const kv = await createRedisKv({ url, prefix });
  closers.push(() => kv.close());
  const seen = { lockDenied: 0, accountWriteErrors: 0 };
  const watched: KvStore = {
    ...kv,
    async setIfAbsent(k: string, v: string, ttl: number) {
      const ok = await kv.setIfAbsent(k, v, ttl);
      if (!ok && k.startsWith(LOCK_PREFIX)) seen.lockDenied++;
      return ok;
    },
    async compareAndSet(k: string, e: string | undefined, n: string) {
      try {
        return await kv.compareAndSet(k, e, n);
      } catch (err) {
        if (k.startsWith('acct:')) seen.accountWriteErrors++;
        throw err;
      }
    },
  };
  const deps = { clock: systemClock, random: cryptoRandom, logger: createMemoryLogger() };
  const store = createAccountStore({ kv: watched, codec: plainCodec, clock: systemClock });
  const manager = createTokenManager({ deps, store, kv: watched, ...o });
  return { kv, store, manager, seen, deps };
}

describe.skipIf(!redisAvailable)(`replicas on one Redis under faults${redisAvailable ? '' : ` (${redisSkipReason})`}`, () => {
  let redis: RedisHandle;
  let admin: RedisKv;
  beforeAll(async () => {
    redis = await startRedis();
    admin = await createRedisKv({ url: redis.url });
  });
  afterAll(async () => {
    for (const c of closers.splice(0)) await c().catch(() => undefined);
    await admin?.client.sendCommand(['CONFIG', 'SET', 'maxmemory', '0']).catch(() => undefined);
    await admin?.close();
    await redis?.stop();
  });

  async function intact(fake: TestOAuth, store: Pick<AccountStore, 'get'>, id: string, rt0: string) {
    expect(fake.provider.stats.reuseRevocations).toBe(0);
    expect(fake.provider.isGrantRevoked(rt0)).toBe(false);
    const stored = await store.get(id);
    expect(stored?.status).toBe('active');
    expect(stored?.context.oauth?.token.refresh_token).toBe(fake.provider.currentRefreshToken(rt0));
    expect(fake.provider.isAccessTokenValid(stored!.context.oauth!.token.access_token)).toBe(true);
  }

  it('fault 2: Redis refuses writes (OOM) while A stores its refreshed tokens — B never refreshes with the consumed refresh token; A stores once Redis recovers', async () => {
    let releaseFirst!: () => void;
    const firstAnswer = new Promise<void>((r) => (releaseFirst = r));
    let n = 0;
    const fake = await startTestOAuth({ rotateRefreshTokens: true, reuseDetection: true, holdAnswer: () => (++n === 1 ? firstAnswer : Promise.resolve()) });
    closers.push(() => fake.close());
    const cfg = async () => fake.config();
    const common = { resolveRefreshConfig: cfg, lockTtlMs: 3_000, lockWaitMs: 20_000, persistRetryDelaysMs: [2_000] };
    const A = await replica(redis.url, 'oom:', common);
    const B = await replica(redis.url, 'oom:', common);
    fake.seed('rt_oom_0');
    await A.store.put(oauthAccount('oom', { access: 'at_oom_old', refresh: 'rt_oom_0', expiresAt: Date.now() - 1000 }));

    const a = settle(tokenFor(A.manager, A.store, 'oom'));
    await until(() => fake.provider.stats.tokenRequests === 1, 'A at the provider');
    // The provider has rotated; Redis now refuses writes (maxmemory below what it uses, noeviction).
    await admin.client.sendCommand(['CONFIG', 'SET', 'maxmemory-policy', 'noeviction']);
    await admin.client.sendCommand(['CONFIG', 'SET', 'maxmemory', '1']);
    releaseFirst();
    await until(() => A.seen.accountWriteErrors >= 1, "A's refused write");
    await admin.client.sendCommand(['CONFIG', 'SET', 'maxmemory', '0']);
    // B comes for a token once Redis takes writes again.
    const b = await settle(tokenFor(B.manager, B.store, 'oom'));
    const outA = await a;
    await until(async () => (await B.store.get('oom'))?.context.oauth?.token.refresh_token !== 'rt_oom_0' || fake.provider.stats.reuseRevocations > 0, 'tokens stored');
    expect(fake.provider.stats.reuseRevocations).toBe(0);
    expect(b.ok, b.ok ? '' : String(b.error)).toBe(true);
    if (b.ok) expect(b.value.accessToken).toBe(fake.provider.stats.issuedAccessTokens[0]);
    if (!outA.ok) expect(isCrmMcpError(outA.error, 'transient_auth'), String(outA.error)).toBe(true);
    await intact(fake, B.store, 'oom', 'rt_oom_0');
    expect(fake.provider.stats.tokenRequests).toBe(1);
  }, 60_000);

  it('fault 3: a token endpoint trickling its answer past the lock TTL — B waits instead of refreshing with the same refresh token', async () => {
    const fake = await startTestOAuth({ rotateRefreshTokens: true, reuseDetection: true });
    closers.push(() => fake.close());
    // Headers after 0.8 s, then the body in four chunks 0.8 s apart: ~4 s in all, every idle gap under the 1 s timeout.
    const slow = await startTricklingTokenEndpoint(fake.provider, { headersAfterMs: 800, chunks: 4, chunkGapMs: 800 });
    closers.push(() => slow.close());
    const cfg = async () => fake.config({ tokenUrl: slow.tokenUrl });
    const common = { resolveRefreshConfig: cfg, requestTimeoutMs: 1_000, lockTtlMs: 1_500, lockWaitMs: 20_000 };
    const A = await replica(redis.url, 'trickle:', common);
    const B = await replica(redis.url, 'trickle:', common);
    fake.seed('rt_trickle_0');
    await A.store.put(oauthAccount('tr', { access: 'at_tr_old', refresh: 'rt_trickle_0', expiresAt: Date.now() - 1000 }));

    const a = settle(tokenFor(A.manager, A.store, 'tr'));
    await until(() => slow.progress.requests === 1, 'A at the provider');
    const b = settle(tokenFor(B.manager, B.store, 'tr'));
    await until(() => B.seen.lockDenied > 0, 'B finding the lock taken');
    const [outA, outB] = [await a, await b];
    await until(async () => (await A.store.get('tr'))?.context.oauth?.token.refresh_token !== 'rt_trickle_0' || fake.provider.stats.reuseRevocations > 0, 'tokens stored');
    expect(fake.provider.stats.reuseRevocations).toBe(0);
    expect(fake.provider.stats.tokenRequests).toBe(1);
    for (const o of [outA, outB]) {
      if (o.ok) expect(o.value.accessToken).toBe(fake.provider.stats.issuedAccessTokens[0]);
      else expect(isCrmMcpError(o.error, 'transient_auth'), String(o.error)).toBe(true);
    }
    await intact(fake, A.store, 'tr', 'rt_trickle_0');
  }, 60_000);

  it('the refresh deadline is total: an error answer trickling past it is abandoned before it completes (transient, account untouched)', async () => {
    const fake = await startTestOAuth({ rotateRefreshTokens: true, reuseDetection: true });
    closers.push(() => fake.close());
    fake.provider.faults.inject({ kind: 'status500' });
    const slow = await startTricklingTokenEndpoint(fake.provider, { headersAfterMs: 300, chunks: 4, chunkGapMs: 800 });
    closers.push(() => slow.close());
    const A = await replica(redis.url, 'deadline:', { resolveRefreshConfig: async () => fake.config({ tokenUrl: slow.tokenUrl }), requestTimeoutMs: 1_000, lockTtlMs: 3_000 });
    fake.seed('rt_deadline_0');
    await A.store.put(oauthAccount('dl', { access: 'at_dl_old', refresh: 'rt_deadline_0', expiresAt: Date.now() - 1000 }));
    const out = await settle(tokenFor(A.manager, A.store, 'dl'));
    expect(slow.progress.headersSent).toBe(1);
    expect(slow.progress.completed).toBe(0);
    expect(!out.ok && isCrmMcpError(out.error, 'transient_auth')).toBe(true);
    const stored = await A.store.get('dl');
    expect(stored?.status).toBe('active');
    expect(stored?.context.oauth?.token.refresh_token).toBe('rt_deadline_0');
  }, 30_000);
});
