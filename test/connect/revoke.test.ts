import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeGrant } from '../../src/connect/revoke.js';
import { oauthAccount } from '../cli/helpers/operator-runtime.js';
import { startMiniAuthz, type MiniAuthz } from './helpers/mini-authz.js';

let p: MiniAuthz;
beforeAll(async () => {
  p = await startMiniAuthz('salesforce', { id: 'sf', secret: 's' });
});
afterAll(() => p.close());

describe('revokeGrant', () => {
  it('revokes the refresh token with the operator client, form-encoded', async () => {
    const res = await revokeGrant(`${p.url}/revoke`, oauthAccount(), { client_id: 'sf', client_secret: 's' });
    expect(res).toEqual({ attempted: true, ok: true });
    expect(p.revokeCalls.at(-1)).toEqual({ token: 'rt-SECRET-abcdef', token_type_hint: 'refresh_token', client_id: 'sf', client_secret: 's' });
    expect(p.revoked.has('rt-SECRET-abcdef')).toBe(true);
  });

  it('reports a provider refusal and an unreachable endpoint without the token', async () => {
    const refused = await revokeGrant(`${p.url}/nope`, oauthAccount(), undefined);
    expect(refused).toMatchObject({ attempted: true, ok: false, reason: 'revocation refused by the provider: http_404' });
    const down = await revokeGrant('http://127.0.0.1:9/revoke', oauthAccount(), undefined);
    expect(down).toMatchObject({ attempted: true, ok: false });
    expect(JSON.stringify([refused, down])).not.toContain('SECRET');
  });

  it('does nothing when the definition has no revocation endpoint', async () => {
    expect(await revokeGrant(undefined, oauthAccount(), undefined)).toEqual({ attempted: false, ok: true });
  });
});
