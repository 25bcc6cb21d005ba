import { afterEach, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import type { LinkedAccount } from '../../src/accounts/model.js';
import { createAuditTrail } from '../../src/audit/log.js';
import { isCrmMcpError } from '../../src/core/errors.js';
import type { OAuthRefreshConfig } from '../../src/oauth/refresh.js';
import { tokenFailureReply } from '../../src/sandbox/oauth/index.js';
import { createAccountStore } from '../../src/store/kv-account-store.js';
import { plainCodec } from '../helpers/memory-kv.js';
import { createMemoryKv } from '../helpers/memory-kv.js';
import { createTokenManager } from '../../src/tokens/manager.js';
import { createWebhookSender } from '../../src/webhooks/sender.js';
import { tokenFor } from './helpers/calls.js';
import { startTestOAuth, type TestOAuthOptions } from './helpers/oauth.js';
import { startReceiver } from './helpers/receiver.js';
import { manualClock } from '../helpers/manual-clock.js';
import { memoryStore, oauthAccount, testDeps } from './helpers/setup.js';

const SECRET = 'whsec_' + Buffer.from('test-webhook-secret-0123456789ab').toString('base64');
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function rig(fakeOpts: TestOAuthOptions = {}, cfgOver: Partial<OAuthRefreshConfig> = {}) {
  const fake = await startTestOAuth(fakeOpts);
  const receiver = await startReceiver();
  cleanups.push(() => fake.close(), () => receiver.close());
  const clock = manualClock(Date.now());
  const deps = testDeps(clock);
  const { kv, store } = memoryStore(clock);
  const audit = createAuditTrail({ kv, clock, random: deps.random });
  const sender = createWebhookSender({ ...deps, endpoints: [{ url: receiver.url, secret: SECRET }] });
  // The manager fires webhooks without awaiting them; keeping the promises lets a test wait for delivery.
  const sent: Promise<void>[] = [];
  const webhooks = {
    authenticationError: (a: LinkedAccount, reason: string) => track(sent, sender.authenticationError(a, reason)),
    reactivated: (a: LinkedAccount) => track(sent, sender.reactivated(a)),
  };
  const cfg = fake.config({ clientName: 'hubspot-prod-app', ...cfgOver });
  const refreshed: string[] = [];
  const deferred: Array<{ id: string; at: number }> = [];
  const inactive: string[] = [];
  const manager = createTokenManager({
    deps,
    store,
    kv,
    audit,
    webhooks,
    resolveRefreshConfig: async () => cfg,
    onTokenRefreshed: (a) => void refreshed.push(a.id),
    onRefreshDeferred: (id, at) => void deferred.push({ id, at }),
    onAccountInactive: (id) => void inactive.push(id),
  });
  const delivered = async () => {
    await Promise.all(sent);
    return receiver.deliveries;
  };
  return { fake, receiver, clock, deps, kv, store, audit, manager, refreshed, deferred, inactive, sender, webhooks, sent, delivered };
}

function track(sent: Promise<void>[], p: Promise<void>): Promise<void> {
  sent.push(p);
  return p;
}

type Rig = Awaited<ReturnType<typeof rig>>;

const OLD_AT = 'at_old_secret_1';
const OLD_RT = 'rt_original_secret_1';

async function expired(r: Rig, id = 'acct-1', refresh = OLD_RT) {
  r.fake.seed(refresh);
  await r.store.put(oauthAccount(id, { access: OLD_AT, refresh, expiresAt: r.clock.now() - 1000 }));
  return refresh;
}

const requests = (r: Rig) => r.fake.provider.stats.tokenRequests;
const errorText = (e: unknown) => `${(e as Error).message} ${JSON.stringify((e as { details?: unknown }).details)}`;

/** Every text that leaves the manager: log lines, webhook bodies and headers, audit entries, error messages. */
async function assertNoTokenLeaks(r: Rig, errors: unknown[], extra: string[] = []) {
  const audit = await r.audit.query();
  const texts = [
    ...r.deps.logger.lines,
    ...(await r.delivered()).map((d) => d.body + JSON.stringify(d.headers)),
    ...audit.map((e) => JSON.stringify(e)),
    ...errors.map(errorText),
  ];
  const stored: string[] = [];
  for await (const a of r.store.list()) stored.push(...[a.context.oauth?.token.access_token, a.context.oauth?.token.refresh_token].filter((t): t is string => !!t));
  const secrets = [OLD_AT, OLD_RT, ...r.fake.provider.stats.issuedAccessTokens, ...stored, r.fake.config().clientSecret, SECRET, ...extra];
  for (const t of texts) for (const s of secrets) expect(t.includes(s), `secret leaked: ${s.slice(0, 6)}… in ${t.slice(0, 200)}`).toBe(false);
  expect(texts.length).toBeGreaterThan(0);
}

describe('token manager', () => {
  it('200 concurrent calls on an expired token make exactly one token request and share the new token', async () => {
    const r = await rig({ rotateRefreshTokens: true, delayMs: 30 });
    await expired(r);
    const results = await Promise.all(Array.from({ length: 200 }, () => tokenFor(r.manager, r.store, 'acct-1')));
    expect(requests(r)).toBe(1);
    const tokens = new Set(results.map((x) => x.accessToken));
    expect(tokens.size).toBe(1);
    expect([...tokens][0]).toBe(r.fake.provider.stats.issuedAccessTokens[0]);
    const stored = await r.store.get('acct-1');
    expect(stored?.context.oauth?.token.refresh_token).toBe(r.fake.provider.currentRefreshToken(OLD_RT));
    expect(stored?.context.oauth?.token.refresh_token).not.toBe(OLD_RT);
    expect(r.refreshed).toEqual(['acct-1']);
    // A valid token is served without another request.
    await tokenFor(r.manager, r.store, 'acct-1');
    expect(requests(r)).toBe(1);
    await assertNoTokenLeaks(r, []);
  });

  it('an on-demand refresh, a proactive refresh and an operator retry racing on one account join one refresh: one token request, one token', async () => {
    const r = await rig({ rotateRefreshTokens: true, delayMs: 50 });
    await expired(r);
    const [onDemand, proactive, retried] = await Promise.all([tokenFor(r.manager, r.store, 'acct-1'), r.manager.refreshIfExpiring('acct-1', 120_000), r.manager.retryRefresh('acct-1')]);
    expect(requests(r)).toBe(1);
    expect(r.fake.provider.stats.invalidGrants).toBe(0);
    expect(proactive).toBe('refreshed');
    expect(retried.accessToken).toBe(onDemand.accessToken);
    expect((await r.store.get('acct-1'))?.context.oauth?.token.access_token).toBe(onDemand.accessToken);
  });

  it('invalid_grant → needs_reauth with one signed authentication_error for 5 consecutive failures; a later successful refresh → active + one reactivated', async () => {
    const r = await rig({ flavor: 'hubspot' });
    await expired(r);
    // HubSpot's exact dead-refresh-token answer (PROVIDERS.md §1.1) five times, then the provider accepts the token again.
    const dead = tokenFailureReply('hubspot', 'bad_refresh_token', false);
    r.fake.provider.faults.inject({ kind: 'status', status: dead.status, json: dead.json }, { count: 5 });
    const errors: unknown[] = [await tokenFor(r.manager, r.store, 'acct-1').catch((e: unknown) => e)];
    expect((await r.store.get('acct-1'))?.status).toBe('needs_reauth');
    // Ordinary calls on a needs_reauth account do not touch the provider.
    errors.push(await tokenFor(r.manager, r.store, 'acct-1').catch((e: unknown) => e));
    expect(requests(r)).toBe(1);
    for (let i = 0; i < 4; i++) errors.push(await r.manager.retryRefresh('acct-1').catch((e: unknown) => e));
    for (const e of errors) expect(isCrmMcpError(e, 'needs_reauth'), errorText(e)).toBe(true);
    expect(requests(r)).toBe(5);
    expect(r.fake.provider.stats.invalidGrants).toBe(0); // the faults answered, not a real dead grant
    expect((await r.store.get('acct-1'))?.status).toBe('needs_reauth');
    expect(r.inactive).toEqual(['acct-1']); // unscheduled once, on the transition

    const wh = new Webhook(SECRET);
    const first = await r.delivered();
    expect(first).toHaveLength(1);
    const d = first[0]!;
    const payload = wh.verify(d.body, d.headers) as { type: string; data: Record<string, unknown> };
    expect(payload.type).toBe('integrated_account:authentication_error');
    expect(payload.data).toMatchObject({ account_id: 'acct-1', tenant_id: 'tenant-1', integration: 'hubspot', status: 'needs_reauth', reason: expect.stringContaining('invalid_grant') });
    expect(() => wh.verify(d.body.replace('acct-1', 'acct-2'), d.headers)).toThrow();

    const ok = await r.manager.retryRefresh('acct-1');
    expect(requests(r)).toBe(6);
    expect(ok.accessToken).toBe(r.fake.provider.stats.issuedAccessTokens[0]);
    const stored = await r.store.get('acct-1');
    expect(stored?.status).toBe('active');
    expect(stored?.last_error).toBeNull();
    const all = await r.delivered();
    expect(all).toHaveLength(2);
    const p2 = wh.verify(all[1]!.body, all[1]!.headers) as { type: string; data: Record<string, unknown> };
    expect(p2).toMatchObject({ type: 'integrated_account:reactivated', data: { account_id: 'acct-1', status: 'active' } });
    expect((await tokenFor(r.manager, r.store, 'acct-1')).accessToken).toBe(ok.accessToken);
    expect(requests(r)).toBe(6);
    expect(r.refreshed).toEqual(['acct-1']); // scheduled again once active
    expect(r.inactive).toEqual(['acct-1']);

    const ops = (await r.audit.query({ accountId: 'acct-1' })).map((e) => `${e.operation}:${e.outcome}`);
    expect(ops.filter((o) => o === 'refresh_failure:failure')).toHaveLength(5);
    expect(ops.filter((o) => o.startsWith('transition:'))).toHaveLength(2);
    expect(ops).toContain('refresh_success:success');
    await assertNoTokenLeaks(r, errors);
  });

  it.each([
    ['500', { kind: 'status500' } as const, {}],
    ['429', { kind: 'rate_limited', retryAfterSeconds: 1 } as const, {}],
    ['a timeout', { kind: 'hang' } as const, { timeoutMs: 300, clientAuth: 'client_secret_basic' as const }],
  ])('%s from the token endpoint keeps the account active, sends no webhook and backs off 3–5 min', async (_n, fault, cfgOver) => {
    const r = await rig({}, cfgOver);
    await expired(r);
    r.fake.provider.faults.inject(fault);
    const e1 = await tokenFor(r.manager, r.store, 'acct-1').catch((e: unknown) => e);
    expect(isCrmMcpError(e1, 'transient_auth')).toBe(true);
    expect((e1 as Error).message).toMatch(/failed transiently/);
    expect(requests(r)).toBe(1);
    expect((await r.store.get('acct-1'))?.status).toBe('active');
    const at = r.deferred[0]!.at - r.clock.now();
    expect(at).toBeGreaterThanOrEqual(180_000);
    expect(at).toBeLessThanOrEqual(300_000);
    // During backoff: immediate transient error, provider not hit.
    await r.clock.advance(170_000);
    const e2 = await tokenFor(r.manager, r.store, 'acct-1').catch((e: unknown) => e);
    expect(isCrmMcpError(e2, 'transient_auth')).toBe(true);
    expect(requests(r)).toBe(1);
    // After the backoff window the next call refreshes.
    await r.clock.advance(at - 170_000 + 1);
    const ok = await tokenFor(r.manager, r.store, 'acct-1');
    expect(ok.accessToken).toBe(r.fake.provider.stats.issuedAccessTokens[0]);
    expect(requests(r)).toBe(2);
    expect(await r.delivered()).toHaveLength(0);
    expect((await r.store.get('acct-1'))?.status).toBe('active');
    await assertNoTokenLeaks(r, [e1, e2]);
  });

  it('a rejected OAuth client is oauth_client_misconfigured naming the client, not the account; account stays active', async () => {
    const r = await rig({}, { clientSecret: 'wrong-client-secret-value' });
    await expired(r);
    const e = await tokenFor(r.manager, r.store, 'acct-1').catch((x: unknown) => x);
    expect(isCrmMcpError(e, 'oauth_client_misconfigured')).toBe(true);
    expect((e as Error).message).toContain('hubspot-prod-app');
    expect((e as Error).message).not.toContain('acct-1');
    expect((e as Error).message).not.toContain('wrong-client-secret-value');
    expect((await r.store.get('acct-1'))?.status).toBe('active');
    expect(await r.delivered()).toHaveLength(0);
  });

  it('Zoho: a revoked grant answers HTTP 200 {"error":"invalid_code"} and the account becomes needs_reauth', async () => {
    // No Zoho definition ships; its token_errors would declare invalid_code a dead grant.
    const r = await rig({ flavor: 'zoho' }, { tokenErrors: { revoked: [{ error: ['invalid_code'] }], misconfigured: [] } });
    await expired(r);
    r.fake.provider.revokeGrant(OLD_RT);
    const e = await tokenFor(r.manager, r.store, 'acct-1').catch((x: unknown) => x);
    expect(isCrmMcpError(e, 'needs_reauth')).toBe(true);
    expect((await r.store.get('acct-1'))?.status).toBe('needs_reauth');
    expect(await r.delivered()).toHaveLength(1);
    // What the manager classified was Zoho's real answer for a dead grant: HTTP 200 with an error body.
    const { request } = await import('undici');
    const c = r.fake.config();
    const res = await request(c.tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: OLD_RT, client_id: c.clientId, client_secret: c.clientSecret }).toString() });
    expect(res.statusCode).toBe(200);
    expect(await res.body.json()).toEqual({ error: 'invalid_code' });
  });

  it('invalid_grant after a sibling rotated (no shared lock, Salesforce-style rotation): re-read and use the sibling\'s tokens, no needs_reauth', async () => {
    // The first request's answer comes back well before the second's, so the winner has persisted when the loser reads again.
    const r = await rig({ rotateRefreshTokens: true, reuseDetection: false, delayMs: (n) => (n === 1 ? 100 : 400) });
    await expired(r);
    // Two replicas whose locks do not meet (as with two embedded instances): both send the same refresh token.
    const cfg = r.fake.config();
    const twin = createTokenManager({ deps: r.deps, store: r.store, kv: createMemoryKv(r.clock), webhooks: r.webhooks, resolveRefreshConfig: async () => cfg });
    const [a, b] = await Promise.all([tokenFor(r.manager, r.store, 'acct-1'), tokenFor(twin, r.store, 'acct-1')]);
    expect(requests(r)).toBe(2);
    expect(r.fake.provider.stats.invalidGrants).toBe(1);
    const stored = await r.store.get('acct-1');
    expect(stored?.status).toBe('active');
    expect(stored?.context.oauth?.token.refresh_token).toBe(r.fake.provider.currentRefreshToken(OLD_RT));
    expect(a.accessToken).toBe(b.accessToken);
    expect(a.accessToken).toBe(stored?.context.oauth?.token.access_token);
    expect(await r.delivered()).toHaveLength(0);
  });

  it('Salesforce: no expires_in, fixed duration from issued_at, instance_url captured from allowed hosts, refresh token kept', async () => {
    const r = await rig(
      { flavor: 'salesforce', instanceUrl: 'https://acme.my.salesforce.com' },
      { expiry: { kind: 'fixed', seconds: 7200 }, captureContext: [{ from: 'instance_url', hostPatterns: ['*.salesforce.com'] }] },
    );
    r.fake.seed('rt_sf_secret');
    // Imported with unknown expiry but issued 2 h ago: fixed duration says it is expired.
    await r.store.put(oauthAccount('sf', { access: 'at_sf_old', refresh: 'rt_sf_secret', expiresAt: null, issuedAt: r.clock.now() - 7_200_000 }));
    const got = await tokenFor(r.manager, r.store, 'sf');
    expect(requests(r)).toBe(1);
    const t = got.account.context.oauth!.token;
    expect(Date.parse(t.expires_at!)).toBe(r.clock.now() + 7_200_000);
    expect(t.refresh_token).toBe('rt_sf_secret'); // Salesforce without rotation sends no refresh token → old one kept
    expect(got.account.context.instance_url).toBe('https://acme.my.salesforce.com');
    await tokenFor(r.manager, r.store, 'sf');
    expect(requests(r)).toBe(1);
  });

  it('Salesforce: a tampered instance_url host is not captured', async () => {
    const r = await rig(
      { flavor: 'salesforce', instanceUrl: 'https://evil.example.com' },
      { expiry: { kind: 'fixed', seconds: 7200 }, captureContext: [{ from: 'instance_url', hostPatterns: ['*.salesforce.com'] }] },
    );
    r.fake.seed('rt_sf_secret');
    await r.store.put(oauthAccount('sf', { access: 'at_sf_old', refresh: 'rt_sf_secret', expiresAt: r.clock.now() - 1 }));
    const got = await tokenFor(r.manager, r.store, 'sf');
    expect(got.account.context.instance_url).toBeUndefined();
    expect(r.deps.logger.lines.some((l) => l.includes('host not allowed'))).toBe(true);
  });

  it('Salesforce: expiry learned by introspection', async () => {
    const r = await rig({ flavor: 'salesforce', accessTokenTtlSeconds: 900 }, {});
    const manager = createTokenManager({ deps: r.deps, store: r.store, kv: r.kv, resolveRefreshConfig: async () => r.fake.config({ expiry: { kind: 'introspection', url: r.fake.introspectUrl } }) });
    await expired(r, 'sf2', 'rt_sf2');
    const got = await tokenFor(manager, r.store, 'sf2');
    const exp = Date.parse(got.account.context.oauth!.token.expires_at!);
    expect(Math.abs(exp - (Date.now() + 900_000))).toBeLessThan(5_000);
    expect(r.fake.provider.stats.introspectRequests).toBe(1);
  });

  it('regression: an imported Salesforce token without expires_at is introspected once, not on every call; the expiry is stored and scheduled', async () => {
    const r = await rig({ flavor: 'salesforce', accessTokenTtlSeconds: 900 }, {});
    const scheduled: string[] = [];
    const manager = createTokenManager({
      deps: r.deps, store: r.store, kv: r.kv,
      resolveRefreshConfig: async () => r.fake.config({ expiry: { kind: 'introspection', url: r.fake.introspectUrl } }),
      onTokenRefreshed: (a) => void scheduled.push(a.id),
    });
    const grant = r.fake.provider.seedGrant({ refreshToken: 'rt_sf3' });
    await r.store.put(oauthAccount('sf3', { access: grant.accessToken, refresh: 'rt_sf3', expiresAt: null }));
    const concurrent = await Promise.all(Array.from({ length: 20 }, () => tokenFor(manager, r.store, 'sf3')));
    for (let i = 0; i < 5; i++) concurrent.push(await tokenFor(manager, r.store, 'sf3'));
    expect(new Set(concurrent.map((c) => c.accessToken))).toEqual(new Set([grant.accessToken]));
    expect(r.fake.provider.stats.introspectRequests).toBe(1);
    expect(requests(r)).toBe(0);
    const stored = await r.store.get('sf3');
    expect(Date.parse(stored!.context.oauth!.token.expires_at!)).toBe(Math.floor(grant.expiresAt / 1000) * 1000); // introspection's `exp` is in seconds
    expect(scheduled).toEqual(['sf3']);
    // Another process (a fresh manager on the same store) needs no introspection at all.
    const other = createTokenManager({ deps: r.deps, store: r.store, kv: r.kv, resolveRefreshConfig: async () => r.fake.config({ expiry: { kind: 'introspection', url: r.fake.introspectUrl } }) });
    await tokenFor(other, r.store, 'sf3');
    expect(r.fake.provider.stats.introspectRequests).toBe(1);
  });

  it('a failing store after a successful refresh: the new tokens are not served until stored, no second refresh starts, and the retry stores them', async () => {
    const r = await rig({ rotateRefreshTokens: true });
    await expired(r);
    let failWrites = 3;
    const failingKv = {
      ...r.kv,
      compareAndSet: async (k: string, e: string | undefined, n: string) => (failWrites-- > 0 ? Promise.reject(new Error('store down')) : r.kv.compareAndSet(k, e, n)),
    };
    const store = createAccountStore({ kv: failingKv, codec: plainCodec, clock: r.clock });
    const manager = createTokenManager({ deps: r.deps, store, kv: r.kv, resolveRefreshConfig: async () => r.fake.config(), persistRetryDelaysMs: [1000, 2000, 4000] });
    const inProgress = (e: unknown) => isCrmMcpError(e, 'transient_auth') && (e as { details?: { reason?: string } }).details?.reason === 'persist_pending';
    expect(inProgress(await tokenFor(manager, r.store, 'acct-1').catch((e: unknown) => e))).toBe(true);
    expect((await r.store.get('acct-1'))?.context.oauth?.token.refresh_token).toBe(OLD_RT);
    // A caller's own attempt (the second write) fails too: still in progress, and no second token request.
    expect(inProgress(await tokenFor(manager, r.store, 'acct-1').catch((e: unknown) => e))).toBe(true);
    expect(requests(r)).toBe(1);
    // The retry 1 s later fails like the first writes; the one 2 s after that lands.
    await r.clock.advance(1000);
    expect((await r.store.get('acct-1'))?.context.oauth?.token.refresh_token).toBe(OLD_RT);
    await r.clock.advance(60_000);
    const stored = await r.store.get('acct-1');
    expect(stored?.context.oauth?.token.access_token).toBe(r.fake.provider.stats.issuedAccessTokens[0]);
    expect(stored?.context.oauth?.token.refresh_token).toBe(r.fake.provider.currentRefreshToken(OLD_RT));
    expect((await tokenFor(manager, r.store, 'acct-1')).accessToken).toBe(r.fake.provider.stats.issuedAccessTokens[0]);
    expect(requests(r)).toBe(1);
    expect(r.fake.provider.isGrantRevoked(OLD_RT)).toBe(false);
  });

  it('handed-off accounts are never refreshed; non-active accounts get needs_reauth without a request', async () => {
    const r = await rig();
    r.fake.seed('rt_h');
    await r.store.put(oauthAccount('h1', { access: 'at_h_valid', refresh: 'rt_h', expiresAt: r.clock.now() + 600_000, handedOff: true }));
    await r.store.put(oauthAccount('h2', { access: 'at_h_old', refresh: 'rt_h', expiresAt: r.clock.now() - 1, handedOff: true }));
    await r.store.put(oauthAccount('n1', { access: 'at_n', refresh: 'rt_h', expiresAt: r.clock.now() - 1, status: 'needs_reauth' }));
    expect((await tokenFor(r.manager, r.store, 'h1')).accessToken).toBe('at_h_valid');
    const e = await tokenFor(r.manager, r.store, 'h2').catch((x: unknown) => x);
    expect(isCrmMcpError(e, 'needs_reauth') && (e as Error).message).toMatch(/handed off/);
    expect(isCrmMcpError(await tokenFor(r.manager, r.store, 'n1').catch((x: unknown) => x), 'needs_reauth')).toBe(true);
    expect(isCrmMcpError(await r.manager.retryRefresh('missing').catch((x: unknown) => x), 'account_not_found')).toBe(true);
    expect(requests(r)).toBe(0);
  });
});
