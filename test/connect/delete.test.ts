/**
 * `accounts delete` against the sandbox fakes: the grant is revoked at the definition's
 * revocation endpoint with the operator's client, then the account and its secrets are removed;
 * audited, and no secret reaches stdout, stderr, the audit trail or the logs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { accounts } from '../cli/helpers/cli.js';
import { captureIo } from '../cli/helpers/operator-runtime.js';
import { CLIENTS, startSandboxStack } from './helpers/sandbox-stack.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe('accounts delete', () => {
  for (const name of ['hubspot', 'salesforce'] as const) {
    it(`${name}: revokes the grant at the provider, then removes the account`, async () => {
      const { p, s } = await startSandboxStack(cleanups);
      const fake = name === 'hubspot' ? p.hubspot : p.salesforce;
      const acct = await s.connect(name, 'tenant-del');
      const token = acct.context.oauth!.token;

      const io = captureIo();
      expect(await accounts(['delete', acct.id, '--json'], io, async () => s.rt)).toBe(0);
      expect(JSON.parse(io.stdoutText())).toMatchObject({ ok: true, deleted: true, revoked: true });
      // Refresh token, then access token: revoking a HubSpot refresh token leaves its access tokens working.
      expect(fake.oauth.stats.revokeRequests).toBe(2);
      expect(fake.oauth.refreshInfo(token.refresh_token!)?.active).toBe(false);
      expect(fake.oauth.isAccessTokenValid(token.access_token)).toBe(false);
      expect(await s.rt.accounts.get(acct.id)).toBeUndefined();
      expect((await s.rt.audit.query({ accountId: acct.id, operation: 'delete' })).map((e) => [e.outcome, e.details?.revoked])).toEqual([['success', true]]);

      const surfaces = [io.stdoutText(), io.stderrText(), JSON.stringify(await s.rt.audit.query({})), s.logger.lines.join('\n')].join('\n');
      for (const secret of [token.access_token, token.refresh_token!, CLIENTS[name].clientSecret]) expect(surfaces).not.toContain(secret);
    });
  }

  it('keeps the account when the revocation endpoint cannot be reached, unless --force', async () => {
    const { p, s } = await startSandboxStack(cleanups);
    const acct = await s.connect('hubspot', 'tenant-del');
    await p.hubspot.close();
    const io = captureIo();
    expect(await accounts(['delete', acct.id, '--json'], io, async () => s.rt)).toBe(1);
    expect(io.stderrText().trimEnd().split('\n')).toEqual([expect.stringMatching(/^crm-mcp accounts delete: revocation endpoint unreachable .*; account kept \(use --force/)]);
    expect(JSON.parse(io.stdoutText())).toMatchObject({ ok: false, error: { code: 'revoke_failed' } });
    expect(await s.rt.accounts.get(acct.id)).toBeDefined();
    const forced = captureIo();
    expect(await accounts(['delete', acct.id, '--force', '--json'], forced, async () => s.rt)).toBe(0);
    expect(JSON.parse(forced.stdoutText())).toMatchObject({ deleted: true, revoked: false });
    expect((await s.rt.audit.query({ operation: 'delete' })).map((e) => e.outcome).sort()).toEqual(['failure', 'success']);
  });
});
