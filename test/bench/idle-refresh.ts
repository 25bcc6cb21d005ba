/**
 * Idle refresh (issue 11, fault 6): replicas that serve no calls keep their accounts' tokens
 * fresh through the proactive scheduler only. For each access-token lifetime L and replica count,
 * every replica runs the real token manager and the real scheduler (1 s ticks) on one shared store
 * and due queue (as replicas share Redis), against the sandbox OAuth server (rotation, reuse
 * detection) which counts the refresh grants. Time is a stepped clock shared by all, so ten
 * lifetimes of 3600 s take seconds.
 */
import type { Clock } from '../../src/core/deps.js';
import { cryptoRandom, systemClock } from '../../src/core/deps.js';
import { createLogger } from '../../src/core/logger.js';
import { startLoopback } from '../../src/sandbox/http.js';
import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, FakeOAuthProvider, routeOAuth } from '../../src/sandbox/oauth/index.js';
import { createAccountStore } from '../../src/store/kv-account-store.js';
import { createMemoryDueQueue } from '../../src/tokens/due-queue.js';
import { createTokenManager } from '../../src/tokens/manager.js';
import { createRefreshScheduler, type RefreshScheduler } from '../../src/tokens/scheduler.js';
import { createMemoryKv, plainCodec } from '../helpers/memory-kv.js';
import { round } from './stats.js';

export interface IdleRefreshRow {
  lifetime_s: number;
  replicas: number;
  accounts: number;
  /** Lifetimes of wall time simulated. */
  lifetimes: number;
  refresh_grants: number;
  /** Refresh grants per account per L of time: 1/(1 − lead/L), i.e. 1.33–2 when the lead is L/4–L/2. */
  grants_per_lifetime: number;
  /** Grants that presented a refresh token already used (the provider's reuse detection) and other rejections. */
  reuse_detections: number;
  invalid_grants: number;
  /** Youngest a token was when it was replaced, as a fraction of L (the floor is 0.5). */
  min_age_fraction: number;
  /** Oldest, as a fraction of L (< 1: no token expired before its successor came). */
  max_age_fraction: number;
}

export interface IdleRefreshResult {
  rows: IdleRefreshRow[];
}

function steppedClock(start: number): Clock & { set(t: number): void } {
  let now = start;
  return { now: () => now, setTimer: systemClock.setTimer, sleep: systemClock.sleep, set: (t) => void (now = t) };
}

async function run(lifetimeS: number, replicaCount: number, accounts: number, lifetimes: number): Promise<IdleRefreshRow> {
  const start = Date.parse('2026-12-01T00:00:00Z');
  const clock = steppedClock(start);
  const provider = new FakeOAuthProvider({ clock, rotateRefreshTokens: true, reuseDetection: true, accessTokenTtlSeconds: lifetimeS });
  const srv = await startLoopback(async (call) => (await routeOAuth(provider, call)) ?? { status: 404 });
  try {
    const kv = createMemoryKv(clock);
    const store = createAccountStore({ kv, codec: plainCodec, clock });
    const queue = createMemoryDueQueue();
    const logger = createLogger({ level: 'error', sink: () => {} });
    const schedulers: RefreshScheduler[] = [];
    for (let i = 0; i < replicaCount; i++) {
      const deps = { clock, random: cryptoRandom, logger };
      const tokens = createTokenManager({
        deps,
        store,
        kv,
        resolveRefreshConfig: async () => ({ tokenUrl: `${srv.url}/token`, clientId: DEFAULT_CLIENT_ID, clientSecret: DEFAULT_CLIENT_SECRET, clientAuth: 'client_secret_post', expiry: { kind: 'expires_in' } }),
        onTokenRefreshed: (a) => scheduler.tokenStored(a),
      });
      const scheduler = createRefreshScheduler({ ...deps, queue, store, refresh: (id, within) => tokens.refreshIfExpiring(id, within) });
      schedulers.push(scheduler);
    }
    const grantIds: string[] = [];
    for (let a = 0; a < accounts; a++) {
      const g = provider.seedGrant({ refreshToken: `rt_idle_${a}` });
      grantIds.push(g.grantId);
      const at = new Date(start).toISOString();
      await store.put({
        id: `idle${a}`, tenant_id: 't', integration: 'hubspot', environment: 'production', status: 'active', authentication_method: 'oauth2',
        context: { oauth: { token: { access_token: g.accessToken, refresh_token: g.refreshToken!, expires_at: new Date(g.expiresAt).toISOString(), issued_at: at } } },
        created_at: at, updated_at: at, last_error: null, version: 0,
      });
    }
    await schedulers[0]!.rebuild();
    const end = start + lifetimes * lifetimeS * 1000;
    for (let t = start + 1000; t <= end; t += 1000) {
      clock.set(t);
      await Promise.all(schedulers.map((s) => s.tick()));
    }
    // Ages at replacement, per grant, from the provider's own issue times.
    const issued = new Map<string, number[]>();
    for (const token of provider.stats.issuedAccessTokens) {
      const rec = provider.accessTokenRecord(token);
      if (!rec) continue;
      issued.set(rec.grantId, [...(issued.get(rec.grantId) ?? []), rec.issuedAt]);
    }
    const ages: number[] = [];
    for (const id of grantIds) {
      const times = [start, ...(issued.get(id) ?? [])].sort((x, y) => x - y);
      for (let i = 1; i < times.length; i++) ages.push((times[i]! - times[i - 1]!) / (lifetimeS * 1000));
    }
    const grants = provider.stats.byGrantType.refresh_token ?? 0;
    return {
      lifetime_s: lifetimeS,
      replicas: replicaCount,
      accounts,
      lifetimes,
      refresh_grants: grants,
      grants_per_lifetime: round(grants / accounts / lifetimes, 2),
      reuse_detections: provider.stats.reuseRevocations,
      invalid_grants: provider.stats.invalidGrants,
      min_age_fraction: round(Math.min(...ages), 2),
      max_age_fraction: round(Math.max(...ages), 2),
    };
  } finally {
    await srv.close();
  }
}

export async function benchIdleRefresh(o: { quick: boolean }): Promise<IdleRefreshResult> {
  const rows: IdleRefreshRow[] = [];
  for (const L of [10, 60, 300, 3600]) {
    for (const replicas of [1, 4]) rows.push(await run(L, replicas, o.quick ? 3 : 10, o.quick ? 3 : 10));
  }
  return { rows };
}
