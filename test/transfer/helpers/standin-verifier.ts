/**
 * Stand-in for the token manager + engine behind `import --verify` in tests that exercise the
 * import/verify orchestration at scale: refresh when expired (30 s buffer), then one API call.
 * The composition tests (test/cli/e2e*.test.ts) use the real token manager and engine.
 */
import type { AccountValidator } from '../../../src/connect/ports.js';
import type { Clock } from '../../../src/core/deps.js';
import type { AccountStore } from '../../../src/store/account-store.js';
import type { MiniAuthz } from '../../connect/helpers/mini-authz.js';

export function standInVerifier(p: MiniAuthz, accounts: AccountStore, clock: Clock): AccountValidator {
  return {
    async validate(account) {
      let token = account.context.oauth?.token;
      if (!token) return { ok: false, kind: 'failed', code: 'no_token', reason: 'no token' };
      if (token.expires_at && Date.parse(token.expires_at) - clock.now() < 30_000) {
        const res = await fetch(`${p.url}/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token.refresh_token ?? '', client_id: 'hub-client', client_secret: 'hub-secret-XYZ' }),
        });
        const body = (await res.json()) as Record<string, string | number>;
        if (body.error === 'invalid_grant') return { ok: false, kind: 'needs_reauth', code: 'invalid_grant', reason: `hubspot refresh failed: ${String(body.error_description)}` };
        const next = { ...token, access_token: String(body.access_token), expires_at: new Date(clock.now() + Number(body.expires_in) * 1000).toISOString() };
        await accounts.update(account.id, (cur) => ({ ...cur, context: { ...cur.context, oauth: { token: next } } }));
        token = next;
      }
      const api = await fetch(`${p.url}/api/contacts?limit=1`, { headers: { authorization: `Bearer ${token.access_token}` } });
      await api.body?.cancel();
      return api.status === 200 ? { ok: true } : { ok: false, kind: 'failed', code: `http_${api.status}`, reason: `provider answered ${api.status}` };
    },
  };
}
