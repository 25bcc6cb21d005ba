import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startFakeOAuthServer, type FakeOAuthServer } from '../../src/sandbox/oauth/index.js';
import { manualClock } from '../helpers/manual-clock.js';

const CID = 'fake-client-id';
const SECRET = 'fake-client-secret';

async function post(url: string, form: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await request(url, { method: 'POST', body: new URLSearchParams(form).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });
  const text = await res.body.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, headers: res.headers, text, json: json as Record<string, unknown> };
}

const refresh = (s: FakeOAuthServer, rt: string) => post(s.tokenUrl, { grant_type: 'refresh_token', refresh_token: rt, client_id: CID, client_secret: SECRET });

let servers: FakeOAuthServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});
async function start(opts: Parameters<typeof startFakeOAuthServer>[0]) {
  const s = await startFakeOAuthServer(opts);
  servers.push(s);
  return s;
}

describe('fake OAuth token endpoint', () => {
  it('rotates refresh tokens and revokes the whole grant when a consumed one is replayed', async () => {
    const s = await start({ flavor: 'generic', rotateRefreshTokens: true });
    const g = s.provider.seedGrant({ accessToken: 'AT-0', refreshToken: 'RT-0' });
    const r1 = await refresh(s, 'RT-0');
    expect(r1.status).toBe(200);
    const rt1 = r1.json.refresh_token as string;
    expect(rt1).not.toBe('RT-0');
    const at1 = r1.json.access_token as string;
    expect(s.provider.isAccessTokenValid(at1)).toBe(true);

    const replay = await refresh(s, 'RT-0');
    expect(replay.status).toBe(400);
    expect(replay.json).toEqual({ error: 'invalid_grant', error_description: 'refresh token is invalid, expired or revoked' });
    // the attack killed every token of the grant, including the legitimately rotated ones
    expect(s.provider.isAccessTokenValid(at1)).toBe(false);
    expect(s.provider.isAccessTokenValid(g.accessToken)).toBe(false);
    expect((await refresh(s, rt1)).status).toBe(400);
    expect(s.provider.stats.reuseRevocations).toBe(1);
    expect(s.provider.stats.tokenRequests).toBe(3);
    expect(s.log.count('/token', 'POST')).toBe(3);
  });

  it('without rotation returns the same refresh token (HubSpot) and without reuse detection a replay only fails', async () => {
    const s = await start({ flavor: 'hubspot' });
    s.provider.seedGrant({ refreshToken: 'RT-H' });
    const r = await post(`${s.url}/oauth/v1/token`, { grant_type: 'refresh_token', refresh_token: 'RT-H', client_id: CID, client_secret: SECRET });
    expect(r.json).toMatchObject({ token_type: 'bearer', refresh_token: 'RT-H', expires_in: 1800 });
    expect(Object.keys(r.json).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'token_type']);
    const v3 = await post(`${s.url}/oauth/v3/token`, { grant_type: 'refresh_token', refresh_token: 'RT-H', client_id: CID, client_secret: SECRET });
    expect(v3.json).toMatchObject({ token_use: 'access_token', expires_in: 1800, refresh_token: 'RT-H' });

    const s2 = await start({ flavor: 'generic', rotateRefreshTokens: true, reuseDetection: false });
    s2.provider.seedGrant({ refreshToken: 'RT-0' });
    const rt1 = (await refresh(s2, 'RT-0')).json.refresh_token as string;
    expect((await refresh(s2, 'RT-0')).status).toBe(400);
    expect((await refresh(s2, rt1)).status).toBe(200);
  });

  it('answers each flavor’s exact dead-refresh-token body', async () => {
    const hs = await start({ flavor: 'hubspot' });
    const h = await refresh(hs, 'nope');
    expect(h.status).toBe(400);
    expect(h.json).toEqual({ error: 'invalid_grant', error_description: 'refresh token is invalid, expired or revoked', status: 'BAD_REFRESH_TOKEN', message: 'refresh token is invalid, expired or revoked' });

    const sf = await start({ flavor: 'salesforce' });
    const f = await refresh(sf, 'nope');
    expect([f.status, f.json]).toEqual([400, { error: 'invalid_grant', error_description: 'expired access/refresh token' }]);
    const bad = await post(sf.tokenUrl, { grant_type: 'refresh_token', refresh_token: 'x', client_id: CID, client_secret: 'wrong' });
    expect([bad.status, bad.json]).toEqual([400, { error: 'invalid_client', error_description: 'invalid client credentials' }]);

    const zo = await start({ flavor: 'zoho' });
    zo.provider.seedGrant({ refreshToken: 'RT-Z' });
    const z = await refresh(zo, 'nope');
    expect([z.status, z.json]).toEqual([200, { error: 'invalid_code' }]);
    const ok = await refresh(zo, 'RT-Z');
    expect(ok.json.refresh_token).toBeUndefined();
    expect(ok.json).toMatchObject({ token_type: 'Bearer', expires_in: 3600, api_domain: zo.url });
    expect(zo.provider.stats.invalidGrants).toBe(1);
  });

  it('Salesforce refresh: no expires_in, issued_at ms string, instance_url, refresh_token only when rotating', async () => {
    const clock = manualClock();
    const s = await start({ flavor: 'salesforce', clock, instanceUrl: 'https://evil.example.com' });
    s.provider.seedGrant({ refreshToken: 'RT-S' });
    const r = await refresh(s, 'RT-S');
    expect(r.status).toBe(200);
    expect(r.json).not.toHaveProperty('expires_in');
    expect(r.json).not.toHaveProperty('refresh_token');
    expect(r.json).toMatchObject({ token_type: 'Bearer', issued_at: String(clock.now()), instance_url: 'https://evil.example.com', scope: 'api refresh_token' });
    expect(typeof r.json.signature).toBe('string');
    expect(r.json.id).toMatch(new RegExp(`^${s.url}/id/00D`));
    s.provider.settings.rotateRefreshTokens = true;
    const r2 = await refresh(s, 'RT-S');
    expect(typeof r2.json.refresh_token).toBe('string');
    // access tokens expire on the injected clock (default session 2 h)
    const at = r2.json.access_token as string;
    expect(s.provider.checkAccessToken(at).state).toBe('valid');
    await clock.advance(7200_000);
    expect(s.provider.checkAccessToken(at).state).toBe('expired');
  });

  it('accepts HTTP Basic or body credentials as configured', async () => {
    const s = await start({ flavor: 'generic', clientAuth: 'client_secret_basic' });
    s.provider.seedGrant({ refreshToken: 'RT-B' });
    const basic = `Basic ${Buffer.from(`${CID}:${SECRET}`).toString('base64')}`;
    expect((await post(s.tokenUrl, { grant_type: 'refresh_token', refresh_token: 'RT-B' }, { authorization: basic })).status).toBe(200);
    const viaBody = await refresh(s, 'RT-B');
    expect(viaBody.status).toBe(401);
    expect(viaBody.json.error).toBe('invalid_client');
    s.provider.settings.clientAuth = 'client_secret_post';
    expect((await post(s.tokenUrl, { grant_type: 'refresh_token', refresh_token: 'RT-B' }, { authorization: basic })).status).toBe(401);
    expect((await refresh(s, 'RT-B')).status).toBe(200);
  });

  it('injects 500, 429 with Retry-After, garbage and hangs for the next N token requests, then recovers', async () => {
    const s = await start({ flavor: 'generic' });
    s.provider.seedGrant({ refreshToken: 'RT-F' });
    s.provider.faults.inject({ kind: 'status500' }, { count: 2 });
    s.provider.faults.inject({ kind: 'rate_limited', retryAfterSeconds: 7 });
    s.provider.faults.inject({ kind: 'garbage' });
    s.provider.faults.inject({ kind: 'hang' });
    expect((await refresh(s, 'RT-F')).status).toBe(500);
    expect((await refresh(s, 'RT-F')).status).toBe(500);
    const rl = await refresh(s, 'RT-F');
    expect([rl.status, rl.headers['retry-after']]).toEqual([429, '7']);
    const g = await refresh(s, 'RT-F');
    expect(g.status).toBe(200);
    expect(g.json).toBeUndefined();
    const hung = request(s.tokenUrl, { method: 'POST', body: 'grant_type=refresh_token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, headersTimeout: 300 });
    await expect(hung).rejects.toThrow();
    expect((await refresh(s, 'RT-F')).status).toBe(200);
    expect(s.provider.stats.tokenRequests).toBe(6);
    expect(s.log.entries.map((e) => e.status)).toEqual([500, 500, 429, 200, 'hang', 200]);
  });
});

describe('fake OAuth authorize + code exchange', () => {
  const verifier = 'v'.repeat(50);
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const redirectUri = 'http://127.0.0.1:9/cb';

  async function authorize(s: FakeOAuthServer, extra: Record<string, string>) {
    const q = new URLSearchParams({ response_type: 'code', client_id: CID, redirect_uri: redirectUri, state: 'st-1', scope: 'api refresh_token', ...extra });
    const res = await request(`${s.url}/services/oauth2/authorize?${q}`);
    await res.body.text();
    return { status: res.statusCode, location: new URL(String(res.headers.location ?? 'http://x/')) };
  }
  const exchange = (s: FakeOAuthServer, code: string, extra: Record<string, string> = {}) =>
    post(`${s.url}/services/oauth2/token`, { grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: CID, client_secret: SECRET, ...extra });

  it('Salesforce enforces PKCE S256: mismatch → invalid_request, missing → invalid_grant, right → tokens', async () => {
    const s = await start({ flavor: 'salesforce' });
    const noPkce = await authorize(s, {});
    expect(noPkce.location.searchParams.get('error')).toBe('invalid_request');
    expect(noPkce.location.searchParams.get('state')).toBe('st-1');

    const a = await authorize(s, { code_challenge: challenge, code_challenge_method: 'S256' });
    expect(a.status).toBe(302);
    expect(a.location.searchParams.get('state')).toBe('st-1');
    const code = a.location.searchParams.get('code') ?? '';
    const wrong = await exchange(s, code, { code_verifier: 'w'.repeat(50) });
    expect([wrong.status, wrong.json.error]).toEqual([400, 'invalid_request']);
    const missing = await exchange(s, code);
    expect([missing.status, missing.json.error]).toEqual([400, 'invalid_grant']);
    const ok = await exchange(s, code, { code_verifier: verifier });
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ instance_url: s.url, token_type: 'Bearer' });
    expect(typeof ok.json.refresh_token).toBe('string');
    // single use
    expect((await exchange(s, code, { code_verifier: verifier })).json.error).toBe('invalid_grant');
  });

  it('codes expire on the clock; denied consent redirects with access_denied; HubSpot needs no PKCE', async () => {
    const clock = manualClock();
    const s = await start({ flavor: 'salesforce', clock });
    const a = await authorize(s, { code_challenge: challenge, code_challenge_method: 'S256' });
    await clock.advance(16 * 60_000);
    expect((await exchange(s, a.location.searchParams.get('code') ?? '', { code_verifier: verifier })).json.error).toBe('invalid_grant');
    s.provider.settings.consent = 'deny';
    expect((await authorize(s, { code_challenge: challenge, code_challenge_method: 'S256' })).location.searchParams.get('error')).toBe('access_denied');

    const h = await start({ flavor: 'hubspot' });
    const q = new URLSearchParams({ response_type: 'code', client_id: CID, redirect_uri: redirectUri, state: 's', scope: 'oauth' });
    const res = await request(`${h.url}/oauth/authorize?${q}`);
    const code = new URL(String(res.headers.location)).searchParams.get('code') ?? '';
    const t = await post(`${h.url}/oauth/v3/token`, { grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: CID, client_secret: SECRET });
    expect(t.json).toMatchObject({ token_type: 'bearer', expires_in: 1800, token_use: 'access_token' });
  });

  it('introspects and revokes', async () => {
    const s = await start({ flavor: 'salesforce' });
    const g = s.provider.seedGrant({ accessToken: 'AT-I', refreshToken: 'RT-I' });
    const i = await post(`${s.url}/services/oauth2/introspect`, { token: 'AT-I', token_type_hint: 'access_token', client_id: CID, client_secret: SECRET });
    expect(i.json).toMatchObject({ active: true, token_type: 'access_token', exp: Math.floor(g.expiresAt / 1000), client_id: CID });
    const rv = await post(`${s.url}/services/oauth2/revoke`, { token: 'RT-I' });
    expect([rv.status, rv.text]).toEqual([200, '']);
    expect(s.provider.isAccessTokenValid('AT-I')).toBe(false);
    const again = await post(`${s.url}/services/oauth2/introspect`, { token: 'AT-I', client_id: CID, client_secret: SECRET });
    expect(again.json).toEqual({ active: false });
    expect((await post(`${s.url}/services/oauth2/revoke`, { token: 'unknown' })).json).toEqual({ error: 'invalid_token', error_description: 'invalid token' });

    // HubSpot: revoking the refresh token leaves issued access tokens working (verified behaviour)
    const h = await start({ flavor: 'hubspot' });
    h.provider.seedGrant({ accessToken: 'AT-H', refreshToken: 'RT-H' });
    expect((await post(`${h.url}/oauth/v3/token/revoke`, { token: 'RT-H', client_id: CID, client_secret: SECRET })).status).toBe(200);
    expect(h.provider.isAccessTokenValid('AT-H')).toBe(true);
    expect((await refresh(h, 'RT-H')).json.status).toBe('BAD_REFRESH_TOKEN');
  });

  it('never records token values in its request log', async () => {
    const s = await start({ flavor: 'salesforce' });
    s.provider.seedGrant({ refreshToken: 'RT-SECRET-123' });
    await refresh(s, 'RT-SECRET-123');
    await request(`${s.url}/services/oauth2/revoke?token=RT-SECRET-123`).then((r) => r.body.text());
    expect(JSON.stringify(s.log.entries)).not.toContain('RT-SECRET-123');
    expect(s.log.count('/services/oauth2/revoke', 'GET')).toBe(1);
  });
});
