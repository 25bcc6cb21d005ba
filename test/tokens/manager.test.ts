import { afterEach, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { isCrmMcpError } from '../../src/core/errors.js';
import type { OAuthRefreshConfig } from '../../src/oauth/refresh.js';
import { createTokenManager } from '../../src/tokens/manager.js';
import { createWebhookSender } from '../../src/webhooks/sender.js';
import { createAuditTrail } from '../../src/audit/log.js';
import { startFakeOAuth, type FakeOAuthOptions } from './helpers/fake-oauth.js';
import { startReceiver } from './helpers/receiver.js';
import { manualClock, memoryStore, oauthAccount, testDeps } from './helpers/setup.js';

const SECRET = 'whsec_' + Buffer.from('test-webhook-secret-0123456789ab').toString('base64');
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function rig(fakeOpts: FakeOAuthOptions = {}, cfgOver: Partial<OAuthRefreshConfig> = {}) {
  const fake = await startFakeOAuth({ clientId: 'cid', clientSecret: 'client-secret-value-xyz', ...fakeOpts });
  const receiver = await startReceiver();
  cleanups.push(() => fake.close(), () => receiver.close());
  const clock = manualClock();
  const deps = testDeps(clock);
  const { kv, store } = memoryStore(clock);
  const audit = createAuditTrail({ kv, clock, random: deps.random });
  const webhooks = createWebhookSender({ ...deps, endpoints: [{ url: receiver.url, secret: SECRET }] });
  const cfg: OAuthRefreshConfig = { tokenUrl: fake.tokenUrl, clientId: 'cid', clientSecret: 'client-secret-value-xyz', clientAuth: 'client_secret_post', expiry: { kind: 'expires_in' }, clientName: 'hubspot-prod-app', ...cfgOver };
  const refreshed: string[] = [];
  const deferred: Array<{ id: string; at: number }> = [];
  const manager = createTokenManager({
    deps,
    store,
    kv,
    audit,
    webhooks,
    resolveRefreshConfig: async () => cfg,
    onTokenRefreshed: (a) => void refreshed.push(a.id),
    onRefreshDeferred: (id, at) => void deferred.push({ id, at }),
  });
  return { fake, receiver, clock, deps, kv, store, audit, manager, refreshed, deferred };
}

async function expired(r: Awaited<ReturnType<typeof rig>>, id = 'acct-1', refresh = 'rt_original_secret_1') {
  r.fake.addGrant(refresh);
  await r.store.put(oauthAccount(id, { access: 'at_old_secret_1', refresh, expiresAt: r.clock.now() - 1000 }));
  return refresh;
}

function assertNoSecrets(texts: string[], secrets: string[]) {
  for (const t of texts) for (const s of secrets) expect(t.includes(s), `secret leaked: ${s.slice(0, 10)}… in ${t.slice(0, 200)}`).toBe(false);
}

describe('token manager', () => {
  it('200 concurrent calls on an expired token make exactly one token request and share the new token', async () => {
    const r = await rig({ rotate: true, delayMs: 30 });
    await expired(r);
    const results = await Promise.all(Array.from({ length: 200 }, () => r.manager.getAccessToken('acct-1')));
    expect(r.fake.requests).toBe(1);
    const tokens = new Set(results.map((x) => x.accessToken));
    expect(tokens.size).toBe(1);
    expect([...tokens][0]).toBe(r.fake.issued[0]);
    const stored = await r.store.get('acct-1');
    expect(stored?.context.oauth?.token.refresh_token).toBe(r.fake.currentRefreshToken('rt_original_secret_1'));
    expect(stored?.context.oauth?.token.refresh_token).not.toBe('rt_original_secret_1');
    expect(r.refreshed).toEqual(['acct-1']);
    // A valid token is served without another request.
    await r.manager.getAccessToken('acct-1');
    expect(r.fake.requests).toBe(1);
  });

  it('invalid_grant → needs_reauth with exactly one signed authentication_error for 5 failures; reconnect-style refresh → one reactivated', async () => {
    const r = await rig({ flavor: 'hubspot' });
    await expired(r);
    r.fake.stickyFault = { kind: 'revoked' };
    const errors: unknown[] = [];
    for (let i = 0; i < 5; i++) errors.push(await r.manager.getAccessToken('acct-1').catch((e: unknown) => e));
    for (const e of errors) expect(isCrmMcpError(e, 'needs_reauth')).toBe(true);
    expect(r.fake.requests).toBe(1); // later calls see needs_reauth without touching the provider
    expect((await r.store.get('acct-1'))?.status).toBe('needs_reauth');
    for (let i = 0; i < 100 && r.receiver.deliveries.length === 0; i++) await new Promise((res) => setTimeout(res, 10));
    await new Promise((res) => setTimeout(res, 100));
    const wh = new Webhook(SECRET);
    expect(r.receiver.deliveries).toHaveLength(1);
    const d = r.receiver.deliveries[0]!;
    const payload = wh.verify(d.body, d.headers) as { type: string; data: Record<string, unknown> };
    expect(payload.type).toBe('integrated_account:authentication_error');
    expect(payload.data).toMatchObject({ account_id: 'acct-1', tenant_id: 'tenant-1', integration: 'hubspot', status: 'needs_reauth' });
    expect(() => wh.verify(d.body.replace('acct-1', 'acct-2'), d.headers)).toThrow();

    // Reconnect: the connect flow stores new tokens via reauthorized and calls webhooks.reactivated.
    const { reactivateAccount } = await import('../../src/tokens/reactivate.js');
    r.fake.stickyFault = undefined;
    r.fake.addGrant('rt_new_grant_secret_2');
    const webhooks = createWebhookSender({ ...r.deps, endpoints: [{ url: r.receiver.url, secret: SECRET }] });
    await reactivateAccount({ store: r.store, webhooks, audit: r.audit, clock: r.clock, actor: 'test' }, 'acct-1', { access_token: 'at_new_secret_2', refresh_token: 'rt_new_grant_secret_2', expires_at: new Date(r.clock.now() + 3_600_000).toISOString() });
    expect((await r.store.get('acct-1'))?.status).toBe('active');
    expect(r.receiver.deliveries).toHaveLength(2);
    const p2 = wh.verify(r.receiver.deliveries[1]!.body, r.receiver.deliveries[1]!.headers) as { type: string };
    expect(p2.type).toBe('integrated_account:reactivated');
    expect((await r.manager.getAccessToken('acct-1')).accessToken).toBe('at_new_secret_2');

    const audit = await r.audit.query({ accountId: 'acct-1' });
    expect(audit.map((e) => e.operation)).toEqual(expect.arrayContaining(['refresh_failure', 'transition', 'reactivate']));
    assertNoSecrets(
      [...r.deps.logger.lines, ...r.receiver.deliveries.map((x) => x.body), ...audit.map((e) => JSON.stringify(e)), ...errors.map((e) => (e as Error).message + JSON.stringify((e as { details?: unknown }).details))],
      ['at_old_secret_1', 'rt_original_secret_1', 'at_new_secret_2', 'rt_new_grant_secret_2', 'client-secret-value-xyz', SECRET],
    );
  });

  it.each([
    ['500', { kind: 'status', status: 500 } as const],
    ['429', { kind: 'status', status: 429, retryAfter: '1' } as const],
  ])('%s from the token endpoint keeps the account active, sends no webhook and backs off 3–5 min', async (_n, fault) => {
    const r = await rig();
    await expired(r);
    r.fake.faults.push(fault);
    const e1 = await r.manager.getAccessToken('acct-1').catch((e: unknown) => e);
    expect((e1 as Error).message).toMatch(/failed transiently/);
    expect(isCrmMcpError(e1, 'transient_auth')).toBe(true);
    expect(r.fake.requests).toBe(1);
    expect((await r.store.get('acct-1'))?.status).toBe('active');
    const at = r.deferred[0]!.at - r.clock.now();
    expect(at).toBeGreaterThanOrEqual(180_000);
    expect(at).toBeLessThanOrEqual(300_000);
    // During backoff: immediate transient error, provider not hit.
    await r.clock.advance(170_000);
    const e2 = await r.manager.getAccessToken('acct-1').catch((e: unknown) => e);
    expect(isCrmMcpError(e2, 'transient_auth')).toBe(true);
    expect(r.fake.requests).toBe(1);
    // After the backoff window the next call refreshes.
    await r.clock.advance(at - 170_000 + 1);
    const ok = await r.manager.getAccessToken('acct-1');
    expect(ok.accessToken).toBe(r.fake.issued[0]);
    expect(r.fake.requests).toBe(2);
    await r.clock.advance(10);
    expect(r.receiver.deliveries).toHaveLength(0);
  });

  it('a hanging token endpoint times out as transient (no webhook, account active)', async () => {
    const r = await rig();
    await expired(r);
    r.fake.faults.push({ kind: 'hang' });
    const manager = createTokenManager({ deps: r.deps, store: r.store, kv: r.kv, resolveRefreshConfig: async () => ({ tokenUrl: r.fake.tokenUrl, clientId: 'cid', clientSecret: 'client-secret-value-xyz', clientAuth: 'client_secret_basic', expiry: { kind: 'expires_in' }, timeoutMs: 300 }) });
    const e = await manager.getAccessToken('acct-1').catch((x: unknown) => x);
    expect(isCrmMcpError(e, 'transient_auth')).toBe(true);
    expect((await r.store.get('acct-1'))?.status).toBe('active');
    expect(r.receiver.deliveries).toHaveLength(0);
  });

  it('invalid_client is oauth_client_misconfigured naming the OAuth client, not the account; account stays active', async () => {
    const r = await rig();
    await expired(r);
    r.fake.faults.push({ kind: 'invalid_client' });
    const e = await r.manager.getAccessToken('acct-1').catch((x: unknown) => x);
    expect(isCrmMcpError(e, 'oauth_client_misconfigured')).toBe(true);
    expect((e as Error).message).toContain('hubspot-prod-app');
    expect((await r.store.get('acct-1'))?.status).toBe('active');
  });

  it('Zoho HTTP 200 {"error":"invalid_code"} is revoked', async () => {
    const r = await rig({ flavor: 'zoho' });
    await expired(r);
    r.fake.faults.push({ kind: 'revoked' });
    const e = await r.manager.getAccessToken('acct-1').catch((x: unknown) => x);
    expect(isCrmMcpError(e, 'needs_reauth')).toBe(true);
    expect((await r.store.get('acct-1'))?.status).toBe('needs_reauth');
  });

  it('Salesforce-style response without expires_in: fixed duration from issued_at, context captured from allowed hosts', async () => {
    const r = await rig({ flavor: 'salesforce', omitExpiresIn: true }, { expiry: { kind: 'fixed', seconds: 7200 }, captureContext: [{ field: 'instance_url', from: 'instance_url', allowedHosts: ['*.salesforce.com'] }] });
    r.fake.addGrant('rt_sf_secret');
    // Imported with unknown expiry but issued 2 h ago: fixed duration says it is expired.
    await r.store.put(oauthAccount('sf', { access: 'at_sf_old', refresh: 'rt_sf_secret', expiresAt: null, issuedAt: r.clock.now() - 7_200_000 }));
    const got = await r.manager.getAccessToken('sf');
    expect(r.fake.requests).toBe(1);
    const t = got.account.context.oauth!.token;
    expect(Date.parse(t.expires_at!)).toBe(r.clock.now() + 7_200_000);
    expect(t.refresh_token).toBe('rt_sf_secret'); // no refresh token in response → old one kept
    expect(got.account.context.instance_url).toBe('https://acme.my.salesforce.com');
    await r.manager.getAccessToken('sf');
    expect(r.fake.requests).toBe(1);
  });

  it('Salesforce-style expiry learned by introspection', async () => {
    const r = await rig({ flavor: 'salesforce', omitExpiresIn: true, expiresIn: 900 });
    const manager = createTokenManager({ deps: r.deps, store: r.store, kv: r.kv, resolveRefreshConfig: async () => ({ tokenUrl: r.fake.tokenUrl, clientId: 'cid', clientSecret: 'client-secret-value-xyz', clientAuth: 'client_secret_post', expiry: { kind: 'introspection', url: r.fake.introspectUrl } }) });
    await expired(r, 'sf2', 'rt_sf2');
    const got = await manager.getAccessToken('sf2');
    const exp = Date.parse(got.account.context.oauth!.token.expires_at!);
    expect(Math.abs(exp - (Date.now() + 900_000))).toBeLessThan(5_000);
  });

  it('a failing store after a successful refresh keeps serving the new tokens and persists them on retry', async () => {
    const r = await rig({ rotate: true });
    await expired(r);
    let failWrites = 3;
    const failingKv = { ...r.kv, compareAndSet: async (k: string, e: string | undefined, n: string) => (failWrites-- > 0 ? Promise.reject(new Error('store down')) : r.kv.compareAndSet(k, e, n)), set: async (k: string, v: string, o?: { ttlMs?: number }) => (k.startsWith('acct:') && failWrites-- > 0 ? Promise.reject(new Error('store down')) : r.kv.set(k, v, o)) };
    const { createAccountStore } = await import('../../src/store/kv-account-store.js');
    const { plainCodec } = await import('../../src/store/codec.js');
    const store = createAccountStore({ kv: failingKv, codec: plainCodec, clock: r.clock });
    const manager = createTokenManager({ deps: r.deps, store, kv: r.kv, resolveRefreshConfig: async () => ({ tokenUrl: r.fake.tokenUrl, clientId: 'cid', clientSecret: 'client-secret-value-xyz', clientAuth: 'client_secret_post', expiry: { kind: 'expires_in' } }), persistRetryDelaysMs: [1000, 2000, 4000] });
    const a = await manager.getAccessToken('acct-1');
    expect(a.accessToken).toBe(r.fake.issued[0]);
    expect(manager.pendingPersistence()).toEqual(['acct-1']);
    const b = await manager.getAccessToken('acct-1');
    expect(b.accessToken).toBe(a.accessToken);
    expect(r.fake.requests).toBe(1);
    for (let i = 0; i < 5 && manager.pendingPersistence().length > 0; i++) await r.clock.advance(5000);
    expect(manager.pendingPersistence()).toEqual([]);
    const stored = await r.store.get('acct-1');
    expect(stored?.context.oauth?.token.access_token).toBe(a.accessToken);
    expect(stored?.context.oauth?.token.refresh_token).toBe(r.fake.currentRefreshToken('rt_original_secret_1'));
  });

  it('handed-off accounts are never refreshed; non-active accounts get needs_reauth without a request', async () => {
    const r = await rig();
    r.fake.addGrant('rt_h');
    await r.store.put(oauthAccount('h1', { access: 'at_h_valid', refresh: 'rt_h', expiresAt: r.clock.now() + 600_000, handedOff: true }));
    await r.store.put(oauthAccount('h2', { access: 'at_h_old', refresh: 'rt_h', expiresAt: r.clock.now() - 1, handedOff: true }));
    await r.store.put(oauthAccount('n1', { access: 'at_n', refresh: 'rt_h', expiresAt: r.clock.now() - 1, status: 'needs_reauth' }));
    expect((await r.manager.getAccessToken('h1')).accessToken).toBe('at_h_valid');
    const e = await r.manager.getAccessToken('h2').catch((x: unknown) => x);
    expect(isCrmMcpError(e, 'needs_reauth') && (e as Error).message).toMatch(/handed off/);
    expect(isCrmMcpError(await r.manager.getAccessToken('n1').catch((x: unknown) => x), 'needs_reauth')).toBe(true);
    expect(isCrmMcpError(await r.manager.getAccessToken('missing').catch((x: unknown) => x), 'account_not_found')).toBe(true);
    expect(r.fake.requests).toBe(0);
  });
});
