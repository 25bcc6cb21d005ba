/**
 * Fault 4 of issue 11: re-importing an edited record must not roll back tokens the provider has
 * rotated since the import (a rotating provider with reuse detection, the real token manager).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createAuditTrail } from '../../src/audit/log.js';
import { createTokenManager } from '../../src/tokens/manager.js';
import { importAccounts, type ImportDeps } from '../../src/transfer/import.js';
import { parseImportText } from '../../src/transfer/parse.js';
import { manualClock } from '../helpers/manual-clock.js';
import { tokenFor } from './helpers/calls.js';
import { startTestOAuth } from './helpers/oauth.js';
import { memoryStore, testDeps } from './helpers/setup.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function rig() {
  const fake = await startTestOAuth({ rotateRefreshTokens: true, reuseDetection: true });
  cleanups.push(() => fake.close());
  const clock = manualClock(Date.now());
  const deps = testDeps(clock);
  const { kv, store } = memoryStore(clock);
  const manager = createTokenManager({ deps, store, kv, resolveRefreshConfig: async () => fake.config() });
  const imports: ImportDeps = { accounts: store, kv, clock, audit: createAuditTrail({ kv, clock, random: deps.random }), actor: 'test' };
  return { fake, clock, store, manager, imports };
}

const record = (over: Record<string, unknown> = {}, token: Record<string, unknown> = {}) =>
  JSON.stringify({
    id: 'imp',
    integration: 'hubspot',
    tenant_id: 'tenant-imp',
    authentication_method: 'oauth2',
    context: { oauth: { token: { access_token: 'at_imported', refresh_token: 'rt_imported', expires_at: '2020-01-01T00:00:00Z', ...token } } },
    ...over,
  });

describe('fault 4: re-import after a rotation', () => {
  it('an edited record whose tokens the account has rotated past updates the other fields and keeps the stored tokens; the next refresh works', async () => {
    const r = await rig();
    r.fake.seed('rt_imported');
    await importAccounts(r.imports, parseImportText(record()));
    await tokenFor(r.manager, r.store, 'imp'); // refresh: the provider rotated rt_imported
    const rotated = (await r.store.get('imp'))!.context.oauth!.token;
    expect(rotated.refresh_token).not.toBe('rt_imported');

    const again = await importAccounts(r.imports, parseImportText(record({ unified_model_override: { contact: { fields: {} } } })));
    expect(again.updated).toBe(1);
    const after = (await r.store.get('imp'))!;
    expect(after.unified_model_override).toEqual({ contact: { fields: {} } });
    expect(after.context.oauth!.token.refresh_token).toBe(rotated.refresh_token);
    expect(after.context.oauth!.token.access_token).toBe(rotated.access_token);

    await r.clock.advance(7_200_000);
    await tokenFor(r.manager, r.store, 'imp');
    expect(r.fake.provider.stats.invalidGrants).toBe(0);
    expect(r.fake.provider.stats.reuseRevocations).toBe(0);
    expect((await r.store.get('imp'))!.status).toBe('active');
  });

  it('a record with an older issued_at keeps the stored tokens; --force-tokens takes the record\'s; a record with unknown new tokens takes them', async () => {
    const r = await rig();
    r.fake.seed('rt_imported');
    await importAccounts(r.imports, parseImportText(record({}, { issued_at: '2020-01-01T00:00:00Z' })));
    await tokenFor(r.manager, r.store, 'imp');
    const rotated = (await r.store.get('imp'))!.context.oauth!.token;
    // Another export of the old tokens (different text, same old issue time).
    const older = record({}, { refresh_token: 'rt_elsewhere_old', issued_at: '2020-01-01T00:00:00Z' });
    await importAccounts(r.imports, parseImportText(older));
    expect((await r.store.get('imp'))!.context.oauth!.token.refresh_token).toBe(rotated.refresh_token);
    await importAccounts({ ...r.imports, forceTokens: true }, parseImportText(older));
    expect((await r.store.get('imp'))!.context.oauth!.token.refresh_token).toBe('rt_elsewhere_old');
    // A reconnect elsewhere: tokens this account never had and no issue time — they are taken.
    await importAccounts(r.imports, parseImportText(record({}, { refresh_token: 'rt_reconnected' })));
    expect((await r.store.get('imp'))!.context.oauth!.token.refresh_token).toBe('rt_reconnected');
  });
});
