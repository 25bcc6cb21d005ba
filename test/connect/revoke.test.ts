import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeGrant } from '../../src/connect/revoke.js';
import { startFakeSalesforce, type FakeSalesforce } from '../../src/sandbox/index.js';
import { oauthAccount } from '../cli/helpers/operator-runtime.js';

const client = { clientId: 'sf-app', clientSecret: 'sf-app-secret' };
let sf: FakeSalesforce;
beforeAll(async () => {
  sf = await startFakeSalesforce({ seed: false, oauth: { clients: [client] } });
});
afterAll(() => sf.close());

const sfRevoke = () => ({ revokeUrl: sf.revokeUrl, clientAuth: 'client_secret_post' as const });
const accountFor = (g: { accessToken: string; refreshToken: string | undefined }) => oauthAccount({ context: { instance_url: sf.url, oauth: { token: { access_token: g.accessToken, refresh_token: g.refreshToken! } } } });

describe('revokeGrant against the Salesforce fake', () => {
  it('revokes the refresh token with the operator client, form-encoded; the whole grant ends', async () => {
    const g = sf.oauth.seedGrant();
    expect(await revokeGrant(sfRevoke(), accountFor(g), { client_id: client.clientId, client_secret: client.clientSecret })).toEqual({ attempted: true, ok: true });
    expect(sf.oauth.isGrantRevoked(g.refreshToken!)).toBe(true);
    expect(sf.oauth.isAccessTokenValid(g.accessToken)).toBe(false);
  });

  it('HubSpot: the access token is revoked too, since revoking the refresh token leaves it working', async () => {
    const { startFakeHubSpot } = await import('../../src/sandbox/index.js');
    const hs = await startFakeHubSpot({ seed: false, oauth: { clients: [client] } });
    try {
      const g = hs.oauth.seedGrant();
      const res = await revokeGrant({ revokeUrl: hs.revokeUrl, clientAuth: 'client_secret_post' }, accountFor(g), { client_id: client.clientId, client_secret: client.clientSecret });
      expect(res).toEqual({ attempted: true, ok: true });
      expect(hs.oauth.refreshInfo(g.refreshToken!)?.active).toBe(false);
      expect(hs.oauth.isAccessTokenValid(g.accessToken)).toBe(false);
    } finally {
      await hs.close();
    }
  });

  it('a token the provider no longer knows (400 invalid_token) counts as revoked', async () => {
    const res = await revokeGrant(sfRevoke(), accountFor({ accessToken: 'at-gone', refreshToken: 'rt-gone' }), undefined);
    expect(res).toMatchObject({ attempted: true, ok: true, reason: expect.stringMatching(/already invalid \(invalid_token\)/) });
  });

  it('reports a refusal and an unreachable endpoint without the token', async () => {
    const g = sf.oauth.seedGrant();
    const refused = await revokeGrant({ revokeUrl: `${sf.url}/services/oauth2/nope`, clientAuth: 'client_secret_post' }, accountFor(g), undefined);
    expect(refused).toMatchObject({ attempted: true, ok: false, reason: 'revocation refused by the provider: http_404' });
    const down = await revokeGrant({ revokeUrl: 'http://127.0.0.1:9/revoke', clientAuth: 'client_secret_post' }, accountFor(g), undefined);
    expect(down).toMatchObject({ attempted: true, ok: false, reason: expect.stringMatching(/^revocation endpoint unreachable \(127\.0\.0\.1:9: /) });
    expect(JSON.stringify([refused, down])).not.toContain(g.refreshToken!);
    expect(sf.oauth.isGrantRevoked(g.refreshToken!)).toBe(false);
  });

  it('does nothing when the definition has no revocation endpoint', async () => {
    expect(await revokeGrant({ clientAuth: 'client_secret_post' }, oauthAccount(), undefined)).toEqual({ attempted: false, ok: true });
  });
});
