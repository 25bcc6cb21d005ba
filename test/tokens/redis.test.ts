import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cryptoRandom, systemClock } from '../../src/core/deps.js';
import { isCrmMcpError } from '../../src/core/errors.js';
import { createMemoryLogger } from '../../src/core/logger.js';
import { plainCodec } from '../../src/store/codec.js';
import { createAccountStore } from '../../src/store/kv-account-store.js';
import { createRedisKv, type RedisKv } from '../../src/store/redis-kv.js';
import { createTokenManager } from '../../src/tokens/manager.js';
import { createRedisDueQueue } from '../../src/tokens/redis-due-queue.js';
import { redisAvailable, redisSkipReason, startRedis, type RedisHandle } from '../helpers/redis-server.js';
import { startFakeOAuth, type FakeOAuth } from './helpers/fake-oauth.js';
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
  let fake: FakeOAuth;
  beforeAll(async () => {
    redis = await startRedis();
    kv = await createRedisKv({ url: redis.url, prefix: 'test:' });
    fake = await startFakeOAuth({ rotate: true, delayMs: 150 });
  });
  afterAll(async () => {
    await kv?.close();
    await fake?.close();
    await redis?.stop();
  });

  it('4 processes × 50 concurrent callers: one token request, no invalid_grant, account active, newest refresh token stored', async () => {
    const store = createAccountStore({ kv, codec: plainCodec, clock: systemClock });
    fake.addGrant('rt_multi_0');
    await store.put(oauthAccount('multi', { access: 'at_multi_old', refresh: 'rt_multi_0', expiresAt: Date.now() - 1000 }));
    const before = fake.requests;
    const startAt = Date.now() + 2500;
    const runs = Array.from({ length: 4 }, () => run(['refresh', redis.url, fake.tokenUrl, 'multi', '50', String(startAt)]));
    const outs = (await Promise.all(runs.map((r) => r.out))).map((o) => JSON.parse(o.trim()) as { tokens: string[]; errors: string[] });
    expect(outs.flatMap((o) => o.errors)).toEqual([]);
    const tokens = outs.flatMap((o) => o.tokens);
    expect(tokens).toHaveLength(200);
    expect(new Set(tokens).size).toBe(1);
    expect(fake.requests - before).toBe(1);
    expect(fake.invalidGrants).toBe(0);
    const stored = await store.get('multi');
    expect(stored?.status).toBe('active');
    expect(stored?.context.oauth?.token.refresh_token).toBe(fake.currentRefreshToken('rt_multi_0'));
    expect(fake.grantRevoked('rt_multi_0')).toBe(false);
  }, 60_000);

  it('a lock holder killed before sending its request blocks the account only until the lock TTL; the account stays active', async () => {
    const store = createAccountStore({ kv, codec: plainCodec, clock: systemClock });
    fake.addGrant('rt_dead_0');
    await store.put(oauthAccount('dead', { access: 'at_dead_old', refresh: 'rt_dead_0', expiresAt: Date.now() - 1000 }));
    const holder = run(['hold-lock', redis.url, 'dead', '3000']);
    await new Promise<void>((resolve) => holder.child.stdout!.on('data', (b: Buffer) => b.toString().includes('locked') && resolve()));
    holder.out.catch(() => undefined);
    holder.child.kill('SIGKILL');
    const before = fake.requests;
    const deps = { clock: systemClock, random: cryptoRandom, logger: createMemoryLogger() };
    const cfg = async () => ({ tokenUrl: fake.tokenUrl, clientId: 'c', clientSecret: 's', clientAuth: 'client_secret_post' as const, expiry: { kind: 'expires_in' as const } });
    // A short wait while the dead holder's lock lives: transient, never needs_reauth.
    const impatient = createTokenManager({ deps, store, kv, resolveRefreshConfig: cfg, lockTtlMs: 3000, lockWaitMs: 200 });
    const e = await impatient.getAccessToken('dead').catch((x: unknown) => x);
    expect(isCrmMcpError(e, 'transient_auth')).toBe(true);
    expect((await store.get('dead'))?.status).toBe('active');
    // A wait longer than the TTL gets through once the lock expires.
    const patient = createTokenManager({ deps, store, kv, resolveRefreshConfig: cfg, lockTtlMs: 3000, lockWaitMs: 6000 });
    const got = await patient.getAccessToken('dead');
    expect(got.accessToken).toBe(fake.issued.at(-1));
    expect(fake.requests - before).toBe(1);
    expect((await store.get('dead'))?.status).toBe('active');
  }, 30_000);

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
