/**
 * Fault 6 of issue 11: timing that scales with the token's lifetime L. An idle replica with
 * short-lived tokens must refresh about once per lifetime (not once a tick), and a token living
 * under 30 s must not be refreshed by every burst of calls.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryDueQueue } from '../../src/tokens/due-queue.js';
import { createTokenManager } from '../../src/tokens/manager.js';
import { createRefreshScheduler } from '../../src/tokens/scheduler.js';
import { manualClock } from '../helpers/manual-clock.js';
import { tokenFor } from './helpers/calls.js';
import { startTestOAuth } from './helpers/oauth.js';
import { memoryStore, oauthAccount, testDeps } from './helpers/setup.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function rig(lifetimeSeconds: number) {
  const clock = manualClock(Date.now());
  const fake = await startTestOAuth({ rotateRefreshTokens: true, reuseDetection: true, accessTokenTtlSeconds: lifetimeSeconds, clock });
  cleanups.push(() => fake.close());
  const deps = testDeps(clock);
  const { kv, store } = memoryStore(clock);
  const queue = createMemoryDueQueue();
  const manager = createTokenManager({ deps, store, kv, resolveRefreshConfig: async () => fake.config(), onTokenRefreshed: (a) => scheduler.tokenStored(a) });
  const scheduler = createRefreshScheduler({ ...deps, queue, store, refresh: (id, within) => manager.refreshIfExpiring(id, within) });
  const grant = fake.provider.seedGrant({ refreshToken: 'rt_timing' });
  const a = await store.put(oauthAccount('tm', { access: grant.accessToken, refresh: 'rt_timing', expiresAt: grant.expiresAt, issuedAt: clock.now() }));
  await scheduler.tokenStored(a);
  return { clock, fake, manager, scheduler, store };
}

describe('fault 6: refresh timing scales with the lifetime', () => {
  it.each([10, 60, 300, 3600])('an idle replica with L = %i s refreshes each token once, between half its lifetime and its expiry', async (L) => {
    const r = await rig(L);
    const start = r.clock.now();
    const ages: number[] = [];
    let held = (await r.store.get('tm'))!.context.oauth!.token;
    // The scheduler ticks each second (as start() would), each tick settling before the next.
    while (r.clock.now() < start + 10 * L * 1000) {
      r.clock.set(r.clock.now() + 1000);
      await r.scheduler.tick();
      const now = (await r.store.get('tm'))!.context.oauth!.token;
      if (now.access_token !== held.access_token) {
        ages.push(r.clock.now() - Date.parse(held.issued_at!));
        held = now;
      }
    }
    expect(r.fake.provider.stats.tokenRequests).toBe(ages.length);
    // No loop: every token lived at least half its lifetime, and none expired before its successor came.
    expect(ages.length).toBeGreaterThanOrEqual(10);
    expect(ages.length).toBeLessThanOrEqual(21);
    for (const age of ages) {
      expect(age).toBeGreaterThanOrEqual((L * 1000) / 2);
      expect(age).toBeLessThan(L * 1000);
    }
    expect(r.fake.provider.stats.reuseRevocations).toBe(0);
  });

  it('a 20 s token just issued serves a burst of 50 calls without a refresh', async () => {
    const r = await rig(20);
    r.clock.set(r.clock.now() + 2_000);
    await Promise.all(Array.from({ length: 50 }, () => tokenFor(r.manager, r.store, 'tm')));
    expect(r.fake.provider.stats.tokenRequests).toBe(0);
  });
});
