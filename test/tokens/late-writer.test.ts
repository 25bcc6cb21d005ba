/**
 * A late writer never resurrects an account: when the account moved to needs_reauth (or was
 * reconnected) while a refresh was at the provider, the refresh's tokens are discarded — the
 * write compares the status version the refresh began from, not only the refresh token.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isCrmMcpError } from '../../src/core/errors.js';
import { changeStatus } from '../../src/tokens/lifecycle.js';
import { createTokenManager } from '../../src/tokens/manager.js';
import { manualClock } from '../helpers/manual-clock.js';
import { tokenFor } from './helpers/calls.js';
import { startTestOAuth } from './helpers/oauth.js';
import { memoryStore, oauthAccount, testDeps } from './helpers/setup.js';
import { settle, until } from './helpers/wait.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('late writer', () => {
  it('an account that went to needs_reauth while its refresh was at the provider stays needs_reauth; the late tokens are discarded', async () => {
    let release!: () => void;
    const answer = new Promise<void>((r) => (release = r));
    const fake = await startTestOAuth({ rotateRefreshTokens: true, reuseDetection: true, holdAnswer: () => answer });
    cleanups.push(() => fake.close());
    const clock = manualClock(Date.now());
    const deps = testDeps(clock);
    const { kv, store } = memoryStore(clock);
    const manager = createTokenManager({ deps, store, kv, resolveRefreshConfig: async () => fake.config() });
    fake.seed('rt_late_0');
    await store.put(oauthAccount('late', { access: 'at_late_old', refresh: 'rt_late_0', expiresAt: clock.now() - 1 }));

    const call = settle(tokenFor(manager, store, 'late'));
    await until(() => fake.provider.stats.tokenRequests === 1, 'the refresh at the provider');
    // Meanwhile the grant is declared dead elsewhere (another replica's invalid_grant, an operator).
    await changeStatus({ accounts: store, clock, logger: deps.logger }, 'late', {
      actor: 'test',
      decide: () => ({ event: { type: 'auth_revoked', reason: 'revoked elsewhere' } }),
      error: { code: 'auth_revoked', message: 'revoked elsewhere' },
    });
    release();
    const out = await call;
    expect(!out.ok && isCrmMcpError(out.error, 'needs_reauth')).toBe(true);
    const stored = await store.get('late');
    expect(stored?.status).toBe('needs_reauth');
    expect(stored?.context.oauth?.token.refresh_token).toBe('rt_late_0');
    expect(deps.logger.lines.some((l) => l.includes('refreshed tokens discarded'))).toBe(true);
  });
});
