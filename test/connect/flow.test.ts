/**
 * The whole connect flow against the faithful sandbox fakes (src/sandbox): `links create` → link
 * URL → the provider's authorize endpoint → callback → code exchange → one validation call
 * through the real engine, followed with undici's fetch (a real client following redirects).
 * HubSpot gets no PKCE (its definition says so); Salesforce enforces S256.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { audit, links } from '../cli/helpers/cli.js';
import type { CliIo } from '../../src/cli/io.js';
import type { OperatorRuntime } from '../../src/connect/runtime.js';
import { captureIo } from '../cli/helpers/operator-runtime.js';
import { CLIENTS, ENVIRONMENT, startSandboxStack, type Providers } from './helpers/sandbox-stack.js';

type Cmd = (argv: string[], io: CliIo, open: () => Promise<OperatorRuntime>) => Promise<number>;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(opts: { webhook?: string } = {}) {
  const secret = 'whsec_' + Buffer.from('w'.repeat(32)).toString('base64');
  const { clock, p, s: stack } = await startSandboxStack(cleanups, opts.webhook ? { webhookEndpoints: [{ url: opts.webhook, secret }] } : {});
  const base = await stack.serveConnect();
  const cli = async (cmd: Cmd, argv: string[]) => {
    const io = captureIo();
    const code = await cmd(argv, io, async () => stack.rt);
    return { code, stdout: io.stdoutText(), stderr: io.stderrText() };
  };
  const link = async (integration: 'hubspot' | 'salesforce', extra: string[] = [], tenant = 'tenant-CLEAR-name') => {
    const r = await cli(links, ['create', '--tenant', tenant, '--integration', integration, '--environment', ENVIRONMENT, '--base-url', base, '--json', ...extra]);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as { url: string; expires_at: string; account_id?: string };
  };
  return { clock, p, stack, base, cli, link, secret };
}

/** The link page's button posts to the link URL; everything after is a GET. */
const methodFor = (url: string | URL) => (new URL(url).pathname === '/connect/start' ? 'POST' : 'GET');

/** Follows redirects by hand up to (not into) our callback, so a test can tamper with it. */
async function toCallback(url: string): Promise<URL> {
  let current = url;
  for (let i = 0; i < 5; i++) {
    if (new URL(current).pathname === '/connect/callback') return new URL(current);
    const res = await fetch(current, { method: methodFor(current), redirect: 'manual' });
    await res.body?.cancel();
    if (res.status !== 302 && res.status !== 303) throw new Error(`stopped at ${res.status} before the callback`);
    current = new URL(res.headers.get('location')!, current).toString();
  }
  throw new Error('redirect loop');
}

async function page(url: string | URL): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { method: methodFor(url), redirect: 'follow' });
  return { status: res.status, body: await res.text() };
}

const fakeOf = (p: Providers, name: 'hubspot' | 'salesforce') => (name === 'hubspot' ? p.hubspot : p.salesforce);

describe('connect flow against the sandbox fakes', () => {
  for (const name of ['hubspot', 'salesforce'] as const) {
    it(`${name}: links create → consent → callback → active, with a real client following redirects`, async () => {
      const { p, stack, cli, link } = await setup();
      const fake = fakeOf(p, name);
      const created = await link(name);
      expect(created.url).not.toContain('tenant-CLEAR-name');

      const start = await fetch(created.url, { method: 'POST', redirect: 'manual' });
      expect(start.status).toBe(303);
      const consent = new URL(start.headers.get('location')!);
      expect(consent.origin + consent.pathname).toBe(fake.authorizeUrl);
      expect(consent.toString()).not.toMatch(/tenant-CLEAR-name|client-secret-KNOWN/);
      expect(consent.searchParams.get('client_id')).toBe(CLIENTS[name].clientId);
      if (name === 'salesforce') expect(consent.searchParams.get('code_challenge_method')).toBe('S256');
      else expect(consent.searchParams.has('code_challenge')).toBe(false);

      const done = await page(consent);
      expect(done.status).toBe(200);
      expect(done.body).toContain('Connected');

      const [acct, ...more] = await stack.rt.accounts.listByTenant('tenant-CLEAR-name');
      expect(more).toEqual([]);
      expect(acct).toMatchObject({ status: 'active', integration: name, environment: ENVIRONMENT, authentication_method: 'oauth2' });
      const token = acct!.context.oauth!.token;
      expect(fake.oauth.isAccessTokenValid(token.access_token)).toBe(true);
      expect(fake.oauth.currentRefreshToken(token.access_token)).toBe(token.refresh_token);
      const [code] = [...fake.oauth.codes.values()];
      expect(code).toMatchObject({ used: true, clientId: CLIENTS[name].clientId, challengeMethod: name === 'salesforce' ? 'S256' : undefined });
      if (name === 'salesforce') {
        expect(acct!.context.instance_url).toBe(p.salesforce.url);
        expect(p.salesforce.log.count(/\/services\/data\/v\d+\.0\/query/)).toBe(1);
      } else {
        expect(Date.parse(token.expires_at!) - Date.parse(token.issued_at!)).toBe(1800_000);
        expect(p.hubspot.log.count(/\/crm\/objects\/2026-03\/contacts/)).toBe(1);
      }

      const trail = await cli(audit, ['--account', acct!.id, '--json']);
      const entries = JSON.parse(trail.stdout).entries as Array<{ operation: string; outcome: string; details: Record<string, unknown> }>;
      expect(entries.map((e) => `${e.operation}:${e.outcome}`)).toEqual(['connect:success']);
      expect(entries[0]!.details).toMatchObject({ from: 'connecting', to: 'active' });
      const all = JSON.parse((await cli(audit, ['--tenant', 'tenant-CLEAR-name', '--json'])).stdout).entries.map((e: { operation: string }) => e.operation);
      // Same-millisecond audit entries have no defined order (the manual clock does not move).
      expect(all.sort()).toEqual(['connect', 'link_create']);
      const surfaces = [trail.stdout, JSON.stringify(await stack.rt.audit.query({})), stack.logger.lines.join('\n')].join('\n');
      for (const s of [token.access_token, token.refresh_token!, CLIENTS[name].clientSecret]) expect(surfaces).not.toContain(s);
    });
  }

  it('salesforce rejects a wrong code_verifier (a code replayed into another flow); the right pairing still works', async () => {
    const { p, stack, link } = await setup();
    const a = await toCallback((await link('salesforce')).url);
    const b = await toCallback((await link('salesforce')).url);
    const crossed = new URL(b);
    crossed.searchParams.set('code', a.searchParams.get('code')!);
    const refused = await page(crossed);
    expect(refused.status).toBe(502);
    expect(refused.body).toContain('invalid_request');
    expect(await stack.rt.accounts.listByTenant('tenant-CLEAR-name')).toEqual([]);
    expect(p.salesforce.oauth.codes.get(a.searchParams.get('code')!)!.used).toBe(false);

    expect((await page(a)).status).toBe(200);
    expect((await stack.rt.accounts.listByTenant('tenant-CLEAR-name')).map((x) => x.status)).toEqual(['active']);
    const attempts = await stack.rt.audit.query({ operation: 'connect' });
    expect(attempts.map((e) => e.outcome).sort()).toEqual(['failure', 'success']);
    expect(attempts.find((e) => e.outcome === 'failure')!.details!.reason).toMatch(/invalid_request/);
  });

  it('a replayed, expired or forged state is refused', async () => {
    const { clock, stack, link } = await setup();
    const cb = await toCallback((await link('hubspot')).url);
    expect((await page(cb)).status).toBe(200);
    const replay = await page(cb);
    expect(replay.status).toBe(400);
    expect(replay.body).toContain('already used');

    const late = await toCallback((await link('hubspot')).url);
    await clock.advance(11 * 60_000);
    expect((await page(late)).status).toBe(400);
    const forged = new URL(late);
    forged.searchParams.set('state', 'A'.repeat(43));
    expect((await page(forged)).status).toBe(400);
    expect(await stack.rt.accounts.listByTenant('tenant-CLEAR-name')).toHaveLength(1);
  });

  it('a used or expired link token is refused', async () => {
    const { clock, stack, link } = await setup();
    const l = await link('salesforce');
    expect((await page(l.url)).status).toBe(200);
    expect((await page(l.url)).status).toBe(410);
    const short = await link('salesforce', ['--expires-in', '60s']);
    await clock.advance(61_000);
    const expired = await page(short.url);
    expect(expired.status).toBe(410);
    expect(expired.body).toContain('invalid, expired or already used');
    expect(await stack.rt.accounts.listByTenant('tenant-CLEAR-name')).toHaveLength(1);
  });

  it('a tampered instance_url in the token response is refused and nothing is stored', async () => {
    const { p, stack, link } = await setup();
    for (const tampered of ['https://attacker.example.com', 'https://acme.my.salesforce.com.attacker.example.com', 'http://acme.my.salesforce.com']) {
      p.salesforce.oauth.settings.instanceUrl = tampered;
      const res = await page((await link('salesforce')).url);
      expect(res.status).toBe(502);
      expect(res.body).toContain('outside the allowed hosts');
    }
    expect(await stack.rt.accounts.listByTenant('tenant-CLEAR-name')).toEqual([]);
    expect((await stack.rt.audit.query({ operation: 'connect' })).map((e) => e.outcome)).toEqual(['failure', 'failure', 'failure']);
  });

  it('a denied consent is reported and audited; nothing is stored', async () => {
    const { p, stack, link } = await setup();
    p.hubspot.oauth.settings.consent = 'deny';
    const res = await page((await link('hubspot')).url);
    expect(res.status).toBe(400);
    expect(res.body).toContain('access_denied');
    expect(await stack.rt.accounts.listByTenant('tenant-CLEAR-name')).toEqual([]);
    expect(await stack.rt.audit.query({ operation: 'connect' })).toEqual([expect.objectContaining({ outcome: 'failure', tenant_id: 'tenant-CLEAR-name' })]);
  });

  it('a grant whose validation call fails leaves the new account in validation_error with the reason', async () => {
    const { p, stack, link } = await setup();
    p.hubspot.oauth.faults.inject({ kind: 'status', status: 403, json: { status: 'error', message: "This app hasn't been granted all required scopes to make this call.", correlationId: 'c', category: 'MISSING_SCOPES', errors: [{ message: 'One or more of the following scopes are required.', context: { requiredScopes: ['crm.objects.contacts.read'] } }] } }, { scope: 'api' });
    const res = await page((await link('hubspot')).url);
    expect(res.status).toBe(502);
    const [acct] = await stack.rt.accounts.listByTenant('tenant-CLEAR-name');
    expect(acct).toMatchObject({ status: 'validation_error', last_error: { code: 'MISSING_SCOPES' } });
    expect(acct!.last_error!.message).toContain('crm.objects.contacts.read');
  });

  it('reconnect of a needs_reauth account keeps its id, goes active, one signed reactivated webhook', async () => {
    const received: Array<{ headers: Record<string, string>; body: string }> = [];
    const hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers as Record<string, string>, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => hook.close(() => r())));
    const { p, stack, cli, link, secret } = await setup({ webhook: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook` });

    const first = await page((await link('salesforce')).url);
    expect(first.status).toBe(200);
    const [before] = await stack.rt.accounts.listByTenant('tenant-CLEAR-name');
    const old = before!.context.oauth!.token;
    p.salesforce.oauth.revokeGrant(old.refresh_token!);
    await stack.rt.accounts.update(before!.id, (a) => ({ ...a, status: 'needs_reauth', last_error: { code: 'invalid_grant', message: 'expired access/refresh token', at: new Date().toISOString() } }));

    const re = await link('salesforce', ['--account', before!.id]);
    expect(re.account_id).toBe(before!.id);
    expect(re.url).not.toContain(before!.id);
    expect((await page(re.url)).status).toBe(200);

    const after = await stack.rt.accounts.listByTenant('tenant-CLEAR-name');
    expect(after.map((a) => [a.id, a.status, a.last_error])).toEqual([[before!.id, 'active', null]]);
    const fresh = after[0]!.context.oauth!.token;
    expect(fresh.access_token).not.toBe(old.access_token);
    expect(p.salesforce.oauth.isAccessTokenValid(fresh.access_token)).toBe(true);

    expect(received).toHaveLength(1);
    const event = new Webhook(secret).verify(received[0]!.body, received[0]!.headers) as { type: string; data: Record<string, unknown> };
    expect(event).toMatchObject({ type: 'integrated_account:reactivated', data: { account_id: before!.id, status: 'active' } });
    expect(received[0]!.body).not.toContain(fresh.access_token);

    const trail = JSON.parse((await cli(audit, ['--account', before!.id, '--operation', 'reconnect', '--json'])).stdout).entries;
    expect(trail).toEqual([expect.objectContaining({ outcome: 'success', details: expect.objectContaining({ from: 'needs_reauth', to: 'active' }) })]);
  });

  it("a reconnect link cannot target another tenant's account", async () => {
    const { stack, cli, link } = await setup();
    expect((await page((await link('hubspot', [], 'tenant-b')).url)).status).toBe(200);
    const [other] = await stack.rt.accounts.listByTenant('tenant-b');
    const r = await cli(links, ['create', '--tenant', 'tenant-a', '--integration', 'hubspot', '--environment', ENVIRONMENT, '--account', other!.id, '--base-url', 'http://127.0.0.1:1', '--json']);
    expect(r.code).toBe(3);
    expect(r.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/no hubspot account/)]);
  });
});

