import { describe, expect, it } from 'vitest';
import { createAccessTokenStore, parseDuration } from '../../src/access-tokens/store.js';
import { cryptoRandom } from '../../src/core/deps.js';
import { createMemoryKv } from '../helpers/memory-kv.js';
import { manualClock } from '../helpers/manual-clock.js';

describe('access token store', () => {
  it('stores only the SHA-256, verifies, lists without hashes, revokes and expires', async () => {
    const clock = manualClock();
    const kv = createMemoryKv(clock);
    const store = createAccessTokenStore({ kv, clock, random: cryptoRandom });
    const { token, info } = await store.create({ tenantId: 't1', accountId: 'a1', expiresInMs: parseDuration('1h') });
    expect(token).toMatch(/^cmcp_[a-f0-9]{16}_[A-Za-z0-9_-]{43}$/);
    const raw = [];
    for await (const [k, v] of kv.scan('')) raw.push(k + v);
    expect(raw.join('')).not.toContain(token.split('_').slice(2).join('_'));
    expect(raw.join('')).toMatch(/"token_sha256":"[a-f0-9]{64}"/);

    expect(await store.verify(token)).toMatchObject({ ok: true, token: { tenant_id: 't1', account_id: 'a1', id: info.id } });
    expect(await store.verify(token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A'))).toEqual({ ok: false, reason: 'unknown' });
    expect(await store.verify('nonsense')).toEqual({ ok: false, reason: 'malformed' });
    expect(JSON.stringify(await store.list())).not.toContain('sha256');

    await clock.advance(3_600_000);
    expect(await store.verify(token)).toEqual({ ok: false, reason: 'expired' });

    const other = await store.create({ tenantId: 't2', accountId: 'a2' });
    expect(await store.revoke(other.info.id)).toBe(true);
    expect(await store.verify(other.token)).toEqual({ ok: false, reason: 'revoked' });
    expect(await store.revoke('0000000000000000')).toBe(false);
    expect((await store.list({ tenantId: 't2' })).map((t) => t.revoked_at)).toEqual([expect.any(String)]);
  });

  it('parses durations and rejects bad ones', () => {
    expect(parseDuration('30d')).toBe(30 * 86_400_000);
    expect(parseDuration('90s')).toBe(90_000);
    for (const bad of ['', '0d', '5w', '-1h', '1.5h', 'd30']) expect(() => parseDuration(bad)).toThrow(/invalid duration/);
  });
});
