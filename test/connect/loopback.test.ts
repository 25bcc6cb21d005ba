/**
 * `crm-mcp connect` (loopback callback server for a local user) in-process over the production
 * composition and the sandbox fakes: the consent URL goes to stderr in --json mode, a real
 * client follows the provider's redirect to the loopback server, the command exits 0 with JSON.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from '../cli/helpers/cli.js';
import { captureIo } from '../cli/helpers/operator-runtime.js';
import { CLIENTS, ENVIRONMENT, startSandboxStack } from './helpers/sandbox-stack.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe('crm-mcp connect (loopback)', () => {
  for (const name of ['hubspot', 'salesforce'] as const) {
    it(`${name}: prints the consent URL, waits for the callback, stores an active account`, async () => {
      const { p, s } = await startSandboxStack(cleanups);
      const fake = name === 'hubspot' ? p.hubspot : p.salesforce;

      const io = captureIo();
      let consent: string | undefined;
      io.stderr = (text) => {
        io.err.push(text);
        consent ??= text.split('\n').find((l) => l.startsWith(fake.authorizeUrl));
      };
      const running = connect(['--integration', name, '--environment', ENVIRONMENT, '--port', '0', '--timeout', '30s', '--json'], io, async () => s.rt);
      while (!consent) await new Promise((r) => setTimeout(r, 5));
      expect(new URL(consent).searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/connect\/callback$/);
      const page = await fetch(consent, { redirect: 'follow' });
      expect(page.status).toBe(200);
      expect(await running).toBe(0);

      const out = JSON.parse(io.stdoutText());
      expect(out).toMatchObject({ ok: true, reconnected: false, account: { tenant_id: 'local', integration: name, status: 'active' } });
      const stored = await s.rt.accounts.get(out.account.id);
      expect(fake.oauth.isAccessTokenValid(stored!.context.oauth!.token.access_token)).toBe(true);
      for (const secret of [stored!.context.oauth!.token.access_token, stored!.context.oauth!.token.refresh_token!, CLIENTS[name].clientSecret]) {
        expect(io.stdoutText() + io.stderrText()).not.toContain(secret);
      }
    });
  }

  it('a denied consent exits 1 with one line', async () => {
    const { p, s } = await startSandboxStack(cleanups);
    p.salesforce.oauth.settings.consent = 'deny';
    const io = captureIo();
    let consent: string | undefined;
    io.stdout = (text) => {
      io.out.push(text);
      consent ??= text.split('\n').find((l) => l.startsWith(p.salesforce.authorizeUrl));
    };
    const running = connect(['--integration', 'salesforce', '--environment', ENVIRONMENT, '--port', '0'], io, async () => s.rt);
    while (!consent) await new Promise((r) => setTimeout(r, 5));
    expect((await fetch(consent, { redirect: 'follow' })).status).toBe(400);
    expect(await running).toBe(1);
    expect(io.stderrText().trimEnd().split('\n')).toEqual([expect.stringMatching(/^crm-mcp connect: the provider returned 'access_denied'/)]);
    expect(await s.rt.accounts.listByTenant('local')).toEqual([]);
  });
});
