import { afterEach, describe, expect, it } from 'vitest';
import { createConnectFlow } from '../../src/connect/flow.js';
import type { SecretSealer } from '../../src/connect/ports.js';
import type { OAuthConnectSpec } from '../../src/connect/spec.js';
import { memoryOperatorRuntime, oauthAccount, testSealer, type TestRuntime } from '../cli/helpers/operator-runtime.js';
import { startConnectServer } from './helpers/connect-server.js';
import { startMiniAuthz, type MiniAuthz } from './helpers/mini-authz.js';

const CLIENTS = { hubspot: { id: 'hub-client', secret: 'hub-secret-XYZ' }, salesforce: { id: 'sf-client', secret: 'sf-secret-XYZ' } };
const ENV = {
  CRM_MCP_HUBSPOT_CLIENT_ID: CLIENTS.hubspot.id,
  CRM_MCP_HUBSPOT_CLIENT_SECRET: CLIENTS.hubspot.secret,
  CRM_MCP_SALESFORCE_CLIENT_ID: CLIENTS.salesforce.id,
  CRM_MCP_SALESFORCE_CLIENT_SECRET: CLIENTS.salesforce.secret,
};

function spec(name: 'hubspot' | 'salesforce', p: MiniAuthz): OAuthConnectSpec {
  return {
    integration: name,
    authorizeUrl: `${p.url}/authorize`,
    tokenUrl: `${p.url}/token`,
    pkce: name === 'salesforce',
    scopes: name === 'salesforce' ? ['api', 'refresh_token'] : ['crm.objects.contacts.read'],
    scopeSeparator: ' ',
    clientAuth: 'client_secret_post',
    contextCapture: name === 'salesforce' ? [{ from: 'instance_url', hostPatterns: ['*.my.salesforce.com'], required: true }] : [{ from: 'hub_id' }],
    extraAllowedHosts: ['127.0.0.1'],
  };
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(name: 'hubspot' | 'salesforce', opts: { sealer?: SecretSealer } = {}) {
  const provider = await startMiniAuthz(name, CLIENTS[name]);
  const rt: TestRuntime = memoryOperatorRuntime({ env: ENV, specs: { [name]: spec(name, provider) } });
  const flow = createConnectFlow({ ...rt, ...rt.deps, sealer: opts.sealer ?? testSealer, validator: rt.connectValidator, connectSpec: rt.connectSpec });
  const server = await startConnectServer(() => flow);
  cleanups.push(provider.close, server.close);
  const link = (over: { accountId?: string; ttlMs?: number; tenantId?: string } = {}) =>
    flow.createLink({ tenantId: over.tenantId ?? 'tenant-secret-name', integration: name, baseUrl: server.url, ...over });
  return { provider, rt, flow, server, link };
}

/** Follows redirects by hand so a test can stop before the callback. */
async function walk(url: string, stopAtCallback = false): Promise<{ status: number; url: string; body: string }> {
  let current = url;
  for (let i = 0; i < 5; i++) {
    if (stopAtCallback && current.includes('/connect/callback')) return { status: 0, url: current, body: '' };
    const res = await fetch(current, { redirect: 'manual' });
    if (res.status !== 302) return { status: res.status, url: current, body: await res.text() };
    current = new URL(res.headers.get('location')!, current).toString();
  }
  throw new Error('redirect loop');
}

describe('connect flow over HTTP', () => {
  for (const name of ['hubspot', 'salesforce'] as const) {
    it(`${name}: link → consent → callback ends active, following redirects with a real client`, async () => {
      const { rt, provider, link } = await setup(name);
      const created = await link();
      expect(created.url).not.toContain('tenant-secret-name');
      const res = await fetch(created.url, { redirect: 'follow' });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('Connected');
      const list = await rt.accounts.listByTenant('tenant-secret-name');
      expect(list).toHaveLength(1);
      const acct = list[0]!;
      expect(acct).toMatchObject({ status: 'active', integration: name, authentication_method: 'oauth2' });
      expect(acct.context.oauth!.token.refresh_token).toMatch(/^rt-/);
      const q = provider.lastAuthorizeQuery!;
      expect(q.toString()).not.toContain('tenant-secret-name');
      if (name === 'salesforce') {
        expect(q.get('code_challenge_method')).toBe('S256');
        expect(q.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
        expect(acct.context.instance_url).toBe(provider.url);
        expect(acct.context.oauth!.token.expires_at).toBeNull();
      } else {
        expect(q.has('code_challenge')).toBe(false);
        expect(acct.context.hub_id).toBe(42);
        expect(Date.parse(acct.context.oauth!.token.expires_at!) - rt.clock.now()).toBe(1800_000);
      }
      expect((rt.connectValidator as unknown as { calls: string[] }).calls).toEqual([acct.id]);
      const ops = rt.auditLog.entries.map((e) => `${e.operation}:${e.outcome}`);
      expect(ops).toEqual(['link_create:success', 'connect:success']);
      expect(JSON.stringify(rt.auditLog.entries)).not.toMatch(/rt-[0-9a-f]{32}|at-[0-9a-f]{32}|secret-XYZ/);
    });
  }

  it('salesforce rejects a wrong code_verifier; nothing is stored', async () => {
    const wrongVerifier: SecretSealer = { seal: testSealer.seal, open: () => 'x'.repeat(43) };
    const { rt, link } = await setup('salesforce', { sealer: wrongVerifier });
    const res = await fetch((await link()).url, { redirect: 'follow' });
    expect(res.status).toBe(502);
    expect(await res.text()).toContain('invalid_request');
    expect(await rt.accounts.listByTenant('tenant-secret-name')).toEqual([]);
    expect(rt.auditLog.entries.at(-1)).toMatchObject({ operation: 'connect', outcome: 'failure' });
  });

  it('a used or expired link is refused', async () => {
    const { rt, link } = await setup('hubspot');
    const l = await link();
    expect((await fetch(l.url, { redirect: 'follow' })).status).toBe(200);
    const replay = await fetch(l.url, { redirect: 'manual' });
    expect(replay.status).toBe(410);

    const short = await link({ ttlMs: 60_000 });
    rt.clock.advance(61_000);
    expect((await fetch(short.url, { redirect: 'manual' })).status).toBe(410);
    expect(await rt.accounts.listByTenant('tenant-secret-name')).toHaveLength(1);
  });

  it('a replayed or expired state is refused', async () => {
    const { rt, link } = await setup('hubspot');
    const cb = await walk((await link()).url, true);
    expect((await walk(cb.url)).status).toBe(200);
    const replay = await walk(cb.url);
    expect(replay.status).toBe(400);
    expect(replay.body).toContain('already used');

    const cb2 = await walk((await link()).url, true);
    rt.clock.advance(11 * 60_000);
    expect((await walk(cb2.url)).status).toBe(400);
    const forged = new URL(cb2.url);
    forged.searchParams.set('state', 'A'.repeat(43));
    expect((await walk(forged.toString())).status).toBe(400);
    expect(await rt.accounts.listByTenant('tenant-secret-name')).toHaveLength(1);
  });

  it('a consent the user denied is reported and audited, and its state cannot be reused', async () => {
    const { rt, link } = await setup('hubspot');
    const cb = new URL((await walk((await link()).url, true)).url);
    cb.searchParams.delete('code');
    cb.searchParams.set('error', 'access_denied');
    const res = await walk(cb.toString());
    expect(res.status).toBe(400);
    expect(res.body).toContain('access_denied');
    expect(rt.auditLog.entries.at(-1)).toMatchObject({ operation: 'connect', outcome: 'failure', tenant_id: 'tenant-secret-name' });
    expect((await walk(cb.toString())).status).toBe(400);
    expect(await rt.accounts.listByTenant('tenant-secret-name')).toEqual([]);
  });

  it('a tampered instance_url in the token response is refused and nothing is stored', async () => {
    const { rt, provider, link } = await setup('salesforce');
    provider.instanceUrl = 'https://attacker.example.com';
    const res = await fetch((await link()).url, { redirect: 'follow' });
    expect(res.status).toBe(502);
    expect(await res.text()).toContain('outside the allowed hosts');
    provider.instanceUrl = 'https://acme.my.salesforce.com.attacker.example.com';
    expect((await fetch((await link()).url, { redirect: 'follow' })).status).toBe(502);
    expect(await rt.accounts.listByTenant('tenant-secret-name')).toEqual([]);
  });

  it('reconnecting a needs_reauth account keeps its id, goes active and fires one reactivated', async () => {
    const { rt, link } = await setup('hubspot');
    await rt.accounts.put(oauthAccount({ id: 'acct-keep', tenant_id: 'tenant-secret-name', status: 'needs_reauth', last_error: { code: 'invalid_grant', message: 'revoked', at: '2026-01-01T00:00:00.000Z' } }));
    const res = await fetch((await link({ accountId: 'acct-keep' })).url, { redirect: 'follow' });
    expect(res.status).toBe(200);
    const list = await rt.accounts.listByTenant('tenant-secret-name');
    expect(list.map((a) => [a.id, a.status])).toEqual([['acct-keep', 'active']]);
    expect(list[0]!.context.oauth!.token.access_token).not.toBe('at-SECRET-123456');
    expect(list[0]!.last_error).toBeNull();
    expect(rt.reactivated).toEqual(['acct-keep']);
    expect(rt.auditLog.entries.at(-1)).toMatchObject({ operation: 'reconnect', outcome: 'success', account_id: 'acct-keep' });
  });

  it('a reconnect link cannot target another tenant\'s account', async () => {
    const { rt, link } = await setup('hubspot');
    await rt.accounts.put(oauthAccount({ id: 'other', tenant_id: 'tenant-b', status: 'needs_reauth' }));
    await expect(link({ accountId: 'other' })).rejects.toMatchObject({ code: 'account_not_found' });
  });

  it('a failed validation call leaves a new account in validation_error with the reason', async () => {
    const { rt, flow } = await setup('hubspot');
    (rt.connectValidator as unknown as { validate: unknown }).validate = async () => ({ ok: false, kind: 'failed', code: 'forbidden', reason: 'missing scope crm.objects.contacts.read' });
    const server = await startConnectServer(() => flow);
    cleanups.push(server.close);
    const l = await flow.createLink({ tenantId: 't-v', integration: 'hubspot', baseUrl: server.url });
    const res = await fetch(l.url, { redirect: 'follow' });
    expect(res.status).toBe(502);
    const [acct] = await rt.accounts.listByTenant('t-v');
    expect(acct).toMatchObject({ status: 'validation_error', last_error: { code: 'forbidden', message: 'missing scope crm.objects.contacts.read' } });
  });
});
