/**
 * Fault 1 of issue 11: the store refuses the write of refreshed tokens (one process, a rotating
 * provider with reuse detection). Regression: the held refresh token was dropped by the next
 * refresh and a used one stored later, so the provider revoked the grant.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isCrmMcpError } from '../../src/core/errors.js';
import { createAccountStore } from '../../src/store/kv-account-store.js';
import { createTokenManager } from '../../src/tokens/manager.js';
import { manualClock } from '../helpers/manual-clock.js';
import { createMemoryKv, plainCodec } from '../helpers/memory-kv.js';
import { tokenFor } from './helpers/calls.js';
import { failingAccountWrites } from './helpers/faults.js';
import { startTestOAuth } from './helpers/oauth.js';
import { oauthAccount, testDeps } from './helpers/setup.js';
import { settle, until } from './helpers/wait.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const RT0 = 'rt_fault1_original';

async function rig(ttlSeconds = 1800) {
  const fake = await startTestOAuth({ rotateRefreshTokens: true, reuseDetection: true, accessTokenTtlSeconds: ttlSeconds });
  cleanups.push(() => fake.close());
  const clock = manualClock(Date.now());
  const deps = testDeps(clock);
  const writes = failingAccountWrites(createMemoryKv(clock));
  const store = createAccountStore({ kv: writes.kv, codec: plainCodec, clock });
  const manager = createTokenManager({ deps, store, kv: writes.kv, resolveRefreshConfig: async () => fake.config() });
  fake.seed(RT0);
  await store.put(oauthAccount('a1', { access: 'at_fault1_old', refresh: RT0, expiresAt: clock.now() - 1000 }));
  return { fake, clock, deps, writes, store, manager };
}

type Rig = Awaited<ReturnType<typeof rig>>;

/** What must hold after any fault: nothing revoked, the stored refresh token is the provider's current one, and it refreshes. */
async function assertIntact(r: Rig) {
  expect(r.fake.provider.stats.reuseRevocations).toBe(0);
  expect(r.fake.provider.stats.invalidGrants).toBe(0);
  const stored = await r.store.get('a1');
  expect(stored?.status).toBe('active');
  expect(stored?.context.oauth?.token.refresh_token).toBe(r.fake.provider.currentRefreshToken(RT0));
  // One more lifetime: the next refresh works with what was stored.
  await r.clock.advance(2 * 3_600_000);
  const next = await tokenFor(r.manager, r.store, 'a1');
  expect(next.accessToken).toBe(r.fake.provider.stats.issuedAccessTokens.at(-1));
  expect(r.fake.provider.stats.reuseRevocations).toBe(0);
  expect((await r.store.get('a1'))?.context.oauth?.token.refresh_token).toBe(r.fake.provider.currentRefreshToken(RT0));
}

describe('fault 1: the store refuses the write of refreshed tokens', () => {
  it('a forced refresh (provider 401) while the write is pending never drops the newest refresh token nor stores a used one', async () => {
    const r = await rig();
    r.writes.fail(1);
    const first = await settle(tokenFor(r.manager, r.store, 'a1'));
    expect(r.writes.refused()).toBe(1);
    // The provider answers 401 for the access token the refresh obtained: the engine forces a refresh.
    const rejected = r.fake.provider.stats.issuedAccessTokens[0]!;
    const second = await settle(tokenFor(r.manager, r.store, 'a1', { forceRefresh: true, rejectedToken: rejected }));
    await r.clock.advance(120_000);
    const outcomes = [first, second];
    for (const o of outcomes) {
      // Served: never the old (expired) access token. Not served: "refresh in progress", never a dead grant.
      if (o.ok) expect(o.value.accessToken).not.toBe('at_fault1_old');
      else expect(isCrmMcpError(o.error, 'transient_auth'), String(o.error)).toBe(true);
    }
    await assertIntact(r);
  });

  it('scheduled refreshes while the store keeps refusing writes never present an older refresh token once it heals', async () => {
    const r = await rig(120);
    r.writes.fail(Infinity);
    const first = settle(tokenFor(r.manager, r.store, 'a1'));
    await until(() => r.writes.refused() >= 1, 'the refused write');
    // Proactive refreshes come due (the new token lives 120 s; the scheduler asks within 181 s) while writes fail.
    const proactive = [settle(r.manager.refreshIfExpiring('a1', 181_000)), settle(r.manager.refreshIfExpiring('a1', 181_000))];
    await r.clock.advance(30_000);
    r.writes.heal();
    await r.clock.advance(120_000);
    await Promise.all([first, ...proactive]);
    await assertIntact(r);
  });
});
