/**
 * Shutdown with refreshed tokens the store has not taken: `flush` stores what it can within its
 * bound, names in the log each account it could not store, and leaves that account's refresh lock
 * to lapse (the provider may have consumed the refresh token it guards).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isCrmMcpError } from '../../src/core/errors.js';
import { createAccountStore } from '../../src/store/kv-account-store.js';
import { LOCK_PREFIX } from '../../src/tokens/lock.js';
import { createTokenManager } from '../../src/tokens/manager.js';
import { manualClock } from '../helpers/manual-clock.js';
import { createMemoryKv, plainCodec } from '../helpers/memory-kv.js';
import { tokenFor } from './helpers/calls.js';
import { failingAccountWrites } from './helpers/faults.js';
import { startTestOAuth } from './helpers/oauth.js';
import { oauthAccount, testDeps } from './helpers/setup.js';
import { settle } from './helpers/wait.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function rig() {
  const fake = await startTestOAuth({ rotateRefreshTokens: true, reuseDetection: true });
  cleanups.push(() => fake.close());
  const clock = manualClock(Date.now());
  const deps = testDeps(clock);
  const inner = createMemoryKv(clock);
  const writes = failingAccountWrites(inner);
  const store = createAccountStore({ kv: writes.kv, codec: plainCodec, clock });
  const manager = createTokenManager({ deps, store, kv: writes.kv, resolveRefreshConfig: async () => fake.config(), persistRetryDelaysMs: [600_000] });
  for (const id of ['f1', 'f2']) {
    fake.seed(`rt_${id}`);
    await store.put(oauthAccount(id, { access: `at_${id}`, refresh: `rt_${id}`, expiresAt: clock.now() - 1 }));
  }
  return { fake, clock, deps, inner, writes, store, manager };
}

describe('flush on shutdown', () => {
  it('stores pending tokens once the store takes them, within the bound', async () => {
    const r = await rig();
    r.writes.fail(1);
    const e = await tokenFor(r.manager, r.store, 'f1').catch((x: unknown) => x);
    expect(isCrmMcpError(e, 'transient_auth')).toBe(true);
    expect(await r.manager.flush(5_000)).toEqual({ stored: ['f1'], unstored: [] });
    expect((await r.store.get('f1'))?.context.oauth?.token.refresh_token).toBe(r.fake.provider.currentRefreshToken('rt_f1'));
    expect(await r.inner.get(LOCK_PREFIX + 'f1')).toBeUndefined();
  });

  it('names each account it could not store, and leaves its lock to lapse', async () => {
    const r = await rig();
    r.writes.fail(Infinity);
    for (const id of ['f1', 'f2']) await tokenFor(r.manager, r.store, id).catch(() => undefined);
    const flushed = settle(r.manager.flush(3_000));
    while (!flushed.done()) await r.clock.advance(500);
    expect(await flushed).toEqual({ ok: true, value: { stored: [], unstored: ['f1', 'f2'] } });
    expect(r.writes.refused()).toBeGreaterThan(2);
    const loud = r.deps.logger.lines.filter((l) => l.includes('SHUTDOWN WITH UNSTORED TOKENS'));
    expect(loud.map((l) => (JSON.parse(l) as { account_id: string; level: string }).account_id)).toEqual(['f1', 'f2']);
    expect(loud.every((l) => (JSON.parse(l) as { level: string }).level === 'error')).toBe(true);
    expect(await r.inner.get(LOCK_PREFIX + 'f1')).toBeDefined();
  });
});
