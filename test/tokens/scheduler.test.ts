import { afterEach, describe, expect, it } from 'vitest';
import { Agent } from 'undici';
import { createTokenManager } from '../../src/tokens/manager.js';
import { createMemoryDueQueue } from '../../src/tokens/due-queue.js';
import { createRefreshScheduler } from '../../src/tokens/scheduler.js';
import { tokenFor } from './helpers/calls.js';
import { startTestOAuth } from './helpers/oauth.js';
import { manualClock } from '../helpers/manual-clock.js';
import { memoryStore, oauthAccount, testDeps } from './helpers/setup.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('due queue', () => {
  it('claims only what is due, soonest first, honouring reschedule and removal; a claim is a lease', async () => {
    const q = createMemoryDueQueue();
    await q.add('a', 30);
    await q.add('b', 10);
    await q.add('c', 20);
    await q.add('a', 5); // reschedule
    await q.remove('c');
    expect(await q.claimDue(15, 10, 1000)).toEqual(['a', 'b']);
    expect(await q.claimDue(100, 10, 1100)).toEqual([]);
    // Claimed ids stay queued until their lease ends, unless whoever did the work reschedules them.
    expect(await q.peek(10)).toEqual([{ id: 'a', at: 1000 }, { id: 'b', at: 1000 }]);
    await q.add('b', 5000);
    expect(await q.claimDue(1000, 10, 2000)).toEqual(['a']);
    await q.remove('a');
    expect(await q.size()).toBe(1);
  });
});

describe('proactive refresh scheduler', () => {
  it('10,000 accounts minted in the same second refresh inside 60–180 s before expiry, spread out, with no on-demand refresh afterwards', async () => {
    const N = 10_000;
    const fake = await startTestOAuth({ accessTokenTtlSeconds: 3600 });
    const dispatcher = new Agent({ connections: 16 });
    cleanups.push(() => fake.close(), () => dispatcher.close());
    const clock = manualClock(Date.parse('2026-11-23T00:00:00Z'));
    const deps = { ...testDeps(clock), dispatcher };
    const { kv, store } = memoryStore(clock);
    const mintedAt = clock.now();
    const expiresAt = mintedAt + 3_600_000;
    const queue = createMemoryDueQueue();
    const refreshedAt = new Map<string, number>();
    const manager = createTokenManager({
      deps,
      store,
      kv,
      resolveRefreshConfig: async () => fake.config(),
      // `scheduler` is declared below; the callback only runs after it exists.
      onTokenRefreshed: (a) => scheduler.tokenStored(a),
    });
    const scheduler = createRefreshScheduler({ clock, random: deps.random, logger: deps.logger, queue, store, concurrency: 16, maxPerTick: 1000, refresh: async (id, within) => {
      const r = await manager.refreshIfExpiring(id, within);
      if (r === 'refreshed') refreshedAt.set(id, clock.now());
    } });
    for (let i = 0; i < N; i++) {
      const rt = `rt_${i}`;
      fake.seed(rt);
      const a = await store.put(oauthAccount(`a${i}`, { access: `at_${i}`, refresh: rt, expiresAt }));
      await scheduler.tokenStored(a);
    }
    const planned = await scheduler.upcoming(N);
    expect(planned).toHaveLength(N);
    for (const p of planned) {
      const lead = expiresAt - Date.parse(p.at);
      expect(lead).toBeGreaterThanOrEqual(60_000);
      expect(lead).toBeLessThanOrEqual(180_000);
    }
    // Tick each second through the window; each tick only runs what is due.
    const buckets = new Map<number, number>();
    clock.set(expiresAt - 181_000);
    while (clock.now() <= expiresAt - 59_000) {
      const ran = await scheduler.tick(clock.now());
      if (ran.length > 0) buckets.set(clock.now(), ran.length);
      clock.set(clock.now() + 1000);
    }
    expect(refreshedAt.size).toBe(N);
    expect(fake.provider.stats.tokenRequests).toBe(N);
    for (const t of refreshedAt.values()) {
      expect(expiresAt - t).toBeGreaterThanOrEqual(60_000);
      expect(expiresAt - t).toBeLessThanOrEqual(180_000);
    }
    const counts = [...buckets.values()];
    const mean = N / buckets.size;
    expect(buckets.size).toBeGreaterThanOrEqual(119);
    expect(Math.max(...counts)).toBeLessThanOrEqual(2 * mean);
    // Every account now holds a fresh token: calls at the old expiry refresh nothing on demand.
    clock.set(expiresAt + 1000);
    for (let i = 0; i < N; i += 1) await tokenFor(manager, store, `a${i}`);
    expect(fake.provider.stats.tokenRequests).toBe(N);
    // And each is scheduled again for the next cycle.
    expect((await scheduler.upcoming(N + 1)).length).toBe(N);
  }, 120_000);

  it('needs_reauth and handed-off accounts are not scheduled; rebuild() restores schedules from the store', async () => {
    const clock = manualClock();
    const deps = testDeps(clock);
    const { store } = memoryStore(clock);
    const exp = clock.now() + 3_600_000;
    await store.put(oauthAccount('ok', { access: 'a', refresh: 'r', expiresAt: exp }));
    await store.put(oauthAccount('bad', { access: 'a', refresh: 'r', expiresAt: exp, status: 'needs_reauth' }));
    await store.put(oauthAccount('gone', { access: 'a', refresh: 'r', expiresAt: exp, handedOff: true }));
    const ran: string[] = [];
    const scheduler = createRefreshScheduler({ clock, random: deps.random, logger: deps.logger, queue: createMemoryDueQueue(), store, refresh: async (id) => void ran.push(id) });
    expect(await scheduler.rebuild()).toBe(1);
    expect((await scheduler.upcoming(10)).map((u) => u.account_id)).toEqual(['ok']);
    expect(await scheduler.tick(clock.now())).toEqual([]);
    expect(await scheduler.tick(exp - 59_000)).toEqual(['ok']);
    expect(ran).toEqual(['ok']);
    await scheduler.schedule('ok', clock.now());
    await scheduler.forget('ok');
    expect(await scheduler.tick(exp)).toEqual([]);
  });

  it('start() ticks on the injected clock and stop() halts it', async () => {
    const clock = manualClock();
    const deps = testDeps(clock);
    const ran: string[] = [];
    const scheduler = createRefreshScheduler({ clock, random: deps.random, logger: deps.logger, queue: createMemoryDueQueue(), tickMs: 1000, refresh: async (id) => void ran.push(id) });
    await scheduler.schedule('x', clock.now() + 5_000);
    scheduler.start();
    await clock.advance(4_000);
    expect(ran).toEqual([]);
    await clock.advance(2_000);
    expect(ran).toEqual(['x']);
    scheduler.stop();
    await scheduler.schedule('y', clock.now() + 1_000);
    await clock.advance(5_000);
    expect(ran).toEqual(['x']);
  });
});
