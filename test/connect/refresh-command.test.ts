/**
 * `crm-mcp accounts refresh <id>`: an operator retry through the real token manager. An account
 * put in `needs_reauth` while its grant is in fact still good (a provider outage answered like a
 * revocation) comes back `active` with one signed `reactivated` webhook and no customer consent;
 * a grant that really is revoked stays `needs_reauth`, exits 1 with one line, and sends nothing.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { accounts } from '../cli/helpers/cli.js';
import { captureIo } from '../cli/helpers/operator-runtime.js';
import { startSandboxStack } from './helpers/sandbox-stack.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe('accounts refresh', () => {
  it('reactivates a needs_reauth account whose grant still works; a revoked one stays needs_reauth with one line and no webhook', async () => {
    const received: string[] = [];
    const hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push(JSON.stringify({ headers: req.headers, body }));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => hook.close(() => r())));
    const secret = 'whsec_' + Buffer.from('r'.repeat(32)).toString('base64');
    const { p, s } = await startSandboxStack(cleanups, { webhookEndpoints: [{ url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`, secret }] });
    const acct = await s.connect('hubspot', 'tenant-r');
    await s.rt.accounts.update(acct.id, (a) => ({ ...a, status: 'needs_reauth', last_error: { code: 'invalid_grant', message: 'spurious', at: new Date().toISOString() } }));
    const cli = async (argv: string[]) => {
      const io = captureIo();
      const code = await accounts(argv, io, async () => s.rt);
      return { code, stdout: io.stdoutText(), stderr: io.stderrText() };
    };

    const grantsBefore = p.hubspot.oauth.stats.byGrantType.refresh_token ?? 0;
    const ok = await cli(['refresh', acct.id, '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, reactivated: true, account: { id: acct.id, status: 'active' } });
    expect(ok.stdout).not.toContain(acct.context.oauth!.token.refresh_token!);
    expect((p.hubspot.oauth.stats.byGrantType.refresh_token ?? 0) - grantsBefore).toBe(1);
    expect((await s.rt.accounts.get(acct.id))?.status).toBe('active');
    for (let i = 0; i < 100 && received.length < 1; i++) await new Promise((r) => setTimeout(r, 20));
    expect(received).toHaveLength(1);
    const { headers, body } = JSON.parse(received[0]!) as { headers: Record<string, string>; body: string };
    expect(new Webhook(secret).verify(body, headers)).toMatchObject({ type: 'integrated_account:reactivated', data: { account_id: acct.id } });

    const current = await s.rt.accounts.get(acct.id);
    p.hubspot.oauth.revokeGrant(current!.context.oauth!.token.refresh_token!);
    await s.rt.accounts.update(acct.id, (a) => ({ ...a, status: 'needs_reauth' }));
    const bad = await cli(['refresh', acct.id]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/refresh of .* failed/);
    expect((await s.rt.accounts.get(acct.id))?.status).toBe('needs_reauth');
    // The failed refresh sent nothing: a later reactivation's webhook, sent after whatever the failure
    // would have sent, is the next and only delivery.
    const regranted = p.hubspot.oauth.seedGrant();
    await s.rt.accounts.update(acct.id, (a) => ({ ...a, context: { ...a.context, oauth: { ...a.context.oauth!, token: { ...a.context.oauth!.token, refresh_token: regranted.refreshToken! } } } }));
    expect((await cli(['refresh', acct.id])).code).toBe(0);
    await expect.poll(() => received.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    expect(received.map((r) => (JSON.parse((JSON.parse(r) as { body: string }).body) as { type: string }).type)).toEqual(['integrated_account:reactivated', 'integrated_account:reactivated']);

    expect((await cli(['refresh', 'nope'])).code).toBe(3);
    expect((await cli(['refresh'])).code).toBe(2);
  });
});
