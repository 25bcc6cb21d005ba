import { Agent, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeOAuthServer, startSandboxes, type FakeOAuthServer } from '../../src/sandbox/index.js';

let s: FakeOAuthServer | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

describe('fake OAuth under concurrency', () => {
  it('with rotation + reuse detection, concurrent refreshes of one token kill the grant (what the token manager must prevent)', async () => {
    s = await startFakeOAuthServer({ flavor: 'salesforce', rotateRefreshTokens: true });
    s.provider.seedGrant({ refreshToken: 'RT-shared' });
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'RT-shared', client_id: 'fake-client-id', client_secret: 'fake-client-secret' }).toString();
    const url = s.tokenUrl;
    const results = await Promise.all(Array.from({ length: 20 }, async () => {
      const r = await request(url, { method: 'POST', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      return { status: r.statusCode, body: (await r.body.json()) as Record<string, unknown> };
    }));
    const winners = results.filter((r) => r.status === 200);
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => r.status === 400).every((r) => r.body.error === 'invalid_grant')).toBe(true);
    // the winner's rotated refresh token is dead too: the replay revoked the whole grant
    const rt = winners[0]?.body.refresh_token as string;
    expect(s.provider.isGrantRevoked(rt)).toBe(true);
    expect(s.provider.isAccessTokenValid(winners[0]?.body.access_token as string)).toBe(false);
    expect(s.provider.stats.tokenRequests).toBe(20);
    // the first replay revoked the grant; later ones find it already revoked
    expect(s.provider.stats.reuseRevocations).toBe(1);
    expect(s.provider.stats.invalidGrants).toBe(19);
  });

  it('close() returns promptly with keep-alive and hanging sockets open', async () => {
    const sb = await startSandboxes({ hubspot: { seed: { contacts: 3, companies: 1, deals: 1, notes: 1 } }, salesforce: { seed: { contacts: 3, accounts: 1, opportunities: 1, notes: 1, tasks: 1 } } });
    const agent = new Agent({ keepAliveTimeout: 60_000 });
    const token = sb.grants?.hubspot.accessToken ?? '';
    const r = await request(`${sb.hubspot.url}/crm/v3/objects/contacts`, { headers: { authorization: `Bearer ${token}` }, dispatcher: agent });
    expect((await r.body.json()) as { results: unknown[] }).toMatchObject({ results: expect.any(Array) });
    sb.salesforce.oauth.faults.inject({ kind: 'hang' });
    const hung = request(sb.salesforce.tokenUrl, { method: 'POST', body: 'grant_type=refresh_token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, dispatcher: agent }).catch((e: unknown) => e);
    await new Promise((res) => setTimeout(res, 50));
    const t0 = Date.now();
    await sb.close();
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(await hung).toBeInstanceOf(Error);
    await agent.close();
  });
});
