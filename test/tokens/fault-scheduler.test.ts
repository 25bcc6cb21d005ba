/**
 * Fault 5 of issue 11: the proactive scheduler must not drop accounts it claimed — a claim is a
 * lease (re-queued when the claimer fails or dies), and a permanent failure stays scheduled on a
 * slow retry and is visible on the account.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryDueQueue } from '../../src/tokens/due-queue.js';
import { createTokenManager } from '../../src/tokens/manager.js';
import { createRefreshScheduler } from '../../src/tokens/scheduler.js';
import { manualClock } from '../helpers/manual-clock.js';
import { startTestOAuth } from './helpers/oauth.js';
import { memoryStore, oauthAccount, testDeps } from './helpers/setup.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('fault 5: scheduler claims', () => {
  it('a refresh failing with invalid_client stays scheduled (slow retry) and the account says why', async () => {
    const fake = await startTestOAuth({ rotateRefreshTokens: true });
    cleanups.push(() => fake.close());
    const clock = manualClock(Date.now());
    const deps = testDeps(clock);
    const { kv, store } = memoryStore(clock);
    const manager = createTokenManager({ deps, store, kv, resolveRefreshConfig: async () => fake.config({ clientSecret: 'wrong-secret' }) });
    const queue = createMemoryDueQueue();
    const scheduler = createRefreshScheduler({ ...deps, queue, store, refresh: (id, within) => manager.refreshIfExpiring(id, within) });
    fake.seed('rt_bad_client');
    const exp = clock.now() + 100_000;
    await scheduler.tokenStored(await store.put(oauthAccount('bc', { access: 'at_bc', refresh: 'rt_bad_client', expiresAt: exp })));
    clock.set(exp);
    expect(await scheduler.tick()).toEqual(['bc']);
    expect(fake.provider.stats.tokenRequests).toBe(1);
    const planned = await scheduler.upcoming(10);
    expect(planned.map((p) => p.account_id)).toEqual(['bc']);
    expect(Date.parse(planned[0]!.at)).toBeGreaterThan(clock.now());
    const a = await store.get('bc');
    expect(a?.status).toBe('active');
    expect(a?.last_error?.code).toBe('oauth_client_misconfigured');
    // Retried later (slowly), not dropped.
    clock.set(Date.parse(planned[0]!.at));
    expect(await scheduler.tick()).toEqual(['bc']);
    expect(fake.provider.stats.tokenRequests).toBe(2);
  });

  it('a claimer that dies mid-refresh loses the account only until its lease ends; another replica then refreshes it', async () => {
    const fake = await startTestOAuth({ rotateRefreshTokens: true, reuseDetection: true });
    cleanups.push(() => fake.close());
    const clock = manualClock(Date.now());
    const deps = testDeps(clock);
    const { kv, store } = memoryStore(clock);
    const queue = createMemoryDueQueue(); // shared, as the Redis sorted set is between replicas
    const manager = createTokenManager({ deps, store, kv, resolveRefreshConfig: async () => fake.config() });
    // Replica 1 claims and never finishes (its process died).
    const dying = createRefreshScheduler({ ...deps, queue, store, refresh: () => new Promise(() => {}) });
    const survivor = createRefreshScheduler({ ...deps, queue, store, refresh: (id, within) => manager.refreshIfExpiring(id, within) });
    fake.seed('rt_lease');
    const exp = clock.now() + 100_000;
    await survivor.tokenStored(await store.put(oauthAccount('lz', { access: 'at_lz', refresh: 'rt_lease', expiresAt: exp })));
    clock.set(exp - 30_000);
    void dying.tick();
    await new Promise((r) => setImmediate(r));
    expect(await survivor.tick()).toEqual([]); // claimed: not twice at once
    expect((await survivor.upcoming(10)).map((u) => u.account_id)).toEqual(['lz']); // still visible
    clock.set(exp + 600_000);
    expect(await survivor.tick()).toEqual(['lz']);
    expect(fake.provider.stats.tokenRequests).toBe(1);
    expect((await store.get('lz'))?.context.oauth?.token.refresh_token).toBe(fake.provider.currentRefreshToken('rt_lease'));
  });
});
