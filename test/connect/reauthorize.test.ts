/**
 * Regression: after `connect --account <id>` (or a reconnect link) the superseded refresh token
 * still refreshed at the provider — two live grants for one account, one of them forgotten.
 * Now the grant a re-authorization replaces is revoked (the definition has a `revoke_url`) once
 * the new tokens are stored; the new grant keeps working. Real connect flow, sandbox fakes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createConnectFlow } from '../../src/connect/flow.js';
import { CLIENTS, ENVIRONMENT, startSandboxStack, type Providers } from './helpers/sandbox-stack.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** A refresh_token grant sent straight to the fake's token endpoint, as anyone holding the token could. */
async function refreshAtProvider(p: Providers, crm: 'hubspot' | 'salesforce', refreshToken: string): Promise<{ status: number; error?: string }> {
  const res = await fetch(p[crm].tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: CLIENTS[crm].clientId, client_secret: CLIENTS[crm].clientSecret }).toString(),
  });
  const body = (await res.json().catch(() => ({}))) as { error?: string; status?: string };
  return { status: res.status, ...(body.error ?? body.status ? { error: body.error ?? body.status } : {}) };
}

describe('re-authorization revokes what it replaces', () => {
  for (const crm of ['hubspot', 'salesforce'] as const) {
    it(`${crm}: the superseded refresh token no longer refreshes; the new grant is stored and works`, async () => {
      const { p, s } = await startSandboxStack(cleanups);
      const base = await s.serveConnect();
      const flow = createConnectFlow({ ...s.rt, ...s.rt.deps, validator: s.rt.connectValidator, connectSpec: s.rt.connectSpec });
      const first = await flow.createLink({ tenantId: 't-reauth', integration: crm, environment: ENVIRONMENT, baseUrl: base });
      expect((await fetch(first.url, { method: 'POST', redirect: 'follow' })).status).toBe(200);
      const [before] = await s.rt.accounts.listByTenant('t-reauth');
      const old = before!.context.oauth!.token;

      const again = await flow.createLink({ tenantId: 't-reauth', integration: crm, environment: ENVIRONMENT, accountId: before!.id, baseUrl: base });
      expect((await fetch(again.url, { method: 'POST', redirect: 'follow' })).status).toBe(200);
      const after = (await s.rt.accounts.get(before!.id))!;
      const fresh = after.context.oauth!.token;
      expect(after.status).toBe('active');
      expect(fresh.refresh_token).not.toBe(old.refresh_token);

      const stale = await refreshAtProvider(p, crm, old.refresh_token!);
      expect(stale.status, JSON.stringify(stale)).toBeGreaterThanOrEqual(400);
      expect(p[crm].oauth.isAccessTokenValid(fresh.access_token)).toBe(true);
      expect((await refreshAtProvider(p, crm, fresh.refresh_token!)).status).toBe(200);

      const trail = await s.rt.audit.query({ accountId: before!.id, operation: 'revoke_replaced' });
      expect(trail).toEqual([expect.objectContaining({ outcome: 'success' })]);
      expect(JSON.stringify(trail) + s.logger.lines.join('\n')).not.toContain(old.refresh_token!);
    });
  }
});
