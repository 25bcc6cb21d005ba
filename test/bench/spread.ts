/**
 * Proactive refresh spread: N accounts minted in the same second at the sandbox, scheduled by
 * the real scheduler (production defaults: lead 60–180 s, 1 s ticks, 500 per tick, 8 at a
 * time) and refreshed by the real token manager over loopback. A manual clock steps through
 * the refresh window one second per tick; each tick's refreshes form one 1-s bucket.
 */

/** Time stands still until the bench moves it; timers (lock polls) run on real time. */
function steppedClock(start: number): Clock & { set(t: number): void } {
  let now = start;
  return { now: () => now, setTimer: systemClock.setTimer, sleep: systemClock.sleep, set: (t) => void (now = t) };
}
import { Agent } from 'undici';
import type { LinkedAccount } from '../../src/accounts/model.js';
import { cryptoRandom, systemClock, type Clock } from '../../src/core/deps.js';
import { createLogger } from '../../src/core/logger.js';
import { startFakeHubSpot } from '../../src/sandbox/index.js';
import { plainCodec } from '../helpers/memory-kv.js';
import { createAccountStore } from '../../src/store/kv-account-store.js';
import { createMemoryKv } from '../helpers/memory-kv.js';
import { createMemoryDueQueue } from '../../src/tokens/due-queue.js';
import { createTokenManager } from '../../src/tokens/manager.js';
import { createRefreshScheduler } from '../../src/tokens/scheduler.js';
import { RAISED_LIMIT } from './provider.js';
import { round, since } from './stats.js';

export interface SpreadResult {
  accounts: number;
  refreshed: number;
  provider_token_requests: number;
  buckets: number;
  max_per_bucket: number;
  mean_per_bucket: number;
  max_over_mean: number;
  /** Wall-clock seconds the simulated window took to run. */
  wall_s: number;
}

export async function benchSpread(o: { quick: boolean; accounts?: number }): Promise<SpreadResult> {
  const n = o.accounts ?? (o.quick ? 300 : 10_000);
  const clock = steppedClock(Date.parse('2026-12-01T00:00:00Z'));
  const fake = await startFakeHubSpot({ clock, seed: false, rateLimit: RAISED_LIMIT });
  const dispatcher = new Agent({ connections: 32 });
  const deps = { clock, random: cryptoRandom, logger: createLogger({ level: 'info', sink: () => {} }), dispatcher };
  const kv = createMemoryKv(clock);
  const store = createAccountStore({ kv, codec: plainCodec, clock });
  const client = fake.oauth.clients[0]!;
  const tokens = createTokenManager({
    deps,
    store,
    kv,
    resolveRefreshConfig: async () => ({ tokenUrl: fake.tokenUrl, clientId: client.clientId, clientSecret: client.clientSecret ?? '', clientAuth: 'client_secret_post', expiry: { kind: 'expires_in' } }),
    // `scheduler` is assigned below; the callback runs only after a refresh.
    onTokenRefreshed: (a) => scheduler.tokenStored(a),
  });
  const perBucket = new Map<number, number>();
  let refreshed = 0;
  const scheduler = createRefreshScheduler({
    clock, random: deps.random, logger: deps.logger, queue: createMemoryDueQueue(), store,
    refresh: async (id, within) => {
      if ((await tokens.refreshIfExpiring(id, within)) !== 'refreshed') return;
      refreshed++;
      perBucket.set(clock.now(), (perBucket.get(clock.now()) ?? 0) + 1);
    },
  });
  try {
    const iso = new Date(clock.now()).toISOString();
    let expiresAt = 0;
    for (let i = 0; i < n; i++) {
      const g = fake.oauth.seedGrant({ clientId: client.clientId, accessTokenTtlSeconds: 3600 });
      expiresAt = Math.max(expiresAt, g.expiresAt);
      const a: LinkedAccount = {
        id: `spread-${i}`, tenant_id: 'bench-tenant', integration: 'hubspot', environment: 'production', status: 'active', authentication_method: 'oauth2',
        context: { oauth: { token: { access_token: g.accessToken, refresh_token: g.refreshToken!, expires_at: new Date(g.expiresAt).toISOString() } } },
        created_at: iso, updated_at: iso, version: 0,
      };
      await scheduler.tokenStored(await store.put(a));
    }
    const before = fake.oauth.stats.tokenRequests;
    const t0 = performance.now();
    for (let t = expiresAt - 185_000; t <= expiresAt - 55_000; t += 1_000) {
      clock.set(t);
      await scheduler.tick(t);
    }
    const counts = [...perBucket.entries()].sort((a, b) => a[0] - b[0]);
    const first = counts[0]?.[0] ?? 0;
    const last = counts[counts.length - 1]?.[0] ?? 0;
    const buckets = counts.length === 0 ? 0 : (last - first) / 1000 + 1;
    const max = Math.max(0, ...counts.map((c) => c[1]));
    const meanPer = buckets === 0 ? 0 : refreshed / buckets;
    return {
      accounts: n, refreshed, provider_token_requests: fake.oauth.stats.tokenRequests - before, buckets,
      max_per_bucket: max, mean_per_bucket: round(meanPer, 1), max_over_mean: round(meanPer === 0 ? NaN : max / meanPer, 2), wall_s: round(since(t0) / 1000, 1),
    };
  } finally {
    scheduler.stop();
    await dispatcher.close();
    await fake.close();
  }
}
