/**
 * The connect flow through the real composition (buildOperatorRuntime): real integration
 * definitions with environment overrides pointing at loopback providers, the real engine making
 * the one validation call, revocation from the definition's revoke_url on delete.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { createAuditTrail } from '../../src/audit/log.js';
import { runWith as accounts } from '../../src/cli/commands/accounts.js';
import { runWith as audit } from '../../src/cli/commands/audit.js';
import { createWebhookSender } from '../../src/webhooks/sender.js';
import { buildOperatorRuntime } from '../../src/connect/compose.js';
import { createConnectFlow } from '../../src/connect/flow.js';
import { connectHandlerFor } from '../../src/connect/mount.js';
import { storedTokenProvider } from '../../src/connect/validators.js';
import { exportAccounts } from '../../src/transfer/export.js';
import { cryptoRandom } from '../../src/core/deps.js';
import { createMemoryLogger } from '../../src/core/logger.js';
import { loadRegistry } from '../../src/integrations/index.js';
import { plainCodec } from '../../src/store/codec.js';
import { createAccountStore } from '../../src/store/kv-account-store.js';
import { createMemoryKv } from '../../src/store/memory-kv.js';
import { captureIo, memoryAudit, testSealer } from '../cli/helpers/operator-runtime.js';
import { manualClock } from '../http/helpers.js';
import { startMiniAuthz, type MiniAuthz } from './helpers/mini-authz.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function overrides(name: 'hubspot' | 'salesforce', p: MiniAuthz) {
  const auth = { authorize_url: `${p.url}/authorize`, token_url: `${p.url}/token`, revoke_url: `${p.url}/revoke` };
  return name === 'hubspot' ? { auth, base_url: p.url } : { auth };
}

async function composed(name: 'hubspot' | 'salesforce', tokens?: 'stored', provider?: MiniAuthz) {
  const client = { id: `${name}-client`, secret: `${name}-secret-KNOWN` };
  const p = provider ?? (await startMiniAuthz(name, client));
  if (!provider) cleanups.push(p.close);
  const clock = manualClock(Date.now());
  const kv = createMemoryKv(clock);
  const accountsStore = createAccountStore({ kv, codec: plainCodec, clock });
  const audit = memoryAudit(clock);
  const reactivated: string[] = [];
  const logger = createMemoryLogger();
  const rt = buildOperatorRuntime({
    kv,
    accounts: accountsStore,
    deps: { clock, random: cryptoRandom, logger },
    sealer: testSealer,
    registry: loadRegistry(),
    tokens: tokens === 'stored' ? storedTokenProvider(accountsStore) : { getAccessToken: async () => Promise.reject(new Error('not used')) },
    audit,
    webhooks: { reactivated: async (a) => void reactivated.push(a.id) },
    env: { [`CRM_MCP_${name.toUpperCase()}_SANDBOX_CLIENT_ID`]: client.id, [`CRM_MCP_${name.toUpperCase()}_SANDBOX_CLIENT_SECRET`]: client.secret },
    envOverrides: { sandbox: { [name]: overrides(name, p) } },
    extraAllowedHosts: ['127.0.0.1'],
    close: async () => {},
  });
  return { p, rt, audit, reactivated, clock, logger };
}

describe('connect through the composed runtime', () => {
  for (const name of ['hubspot', 'salesforce'] as const) {
    it(`${name}: real definition + engine validation call → active; delete revokes at the definition's revoke_url`, async () => {
      const { p, rt, audit, logger } = await composed(name);

      const mounted: { h?: ReturnType<typeof connectHandlerFor> } = {};
      const srv = createServer((req, res) => void mounted.h!(req, res).then((ok) => ok || res.writeHead(404).end()));
      await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
      cleanups.push(
        () =>
          new Promise<void>((r) => {
            srv.closeAllConnections();
            srv.close(() => r());
          }),
      );
      const base = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
      mounted.h = connectHandlerFor(rt, base);

      const flow = createConnectFlow({ ...rt, ...rt.deps, validator: rt.connectValidator, connectSpec: rt.connectSpec });
      const link = await flow.createLink({ tenantId: 'tenant-1', integration: name, environment: 'sandbox', baseUrl: base });
      const res = await fetch(link.url, { redirect: 'follow' });
      expect(await res.text()).toContain('Connected');
      const [acct] = await rt.accounts.listByTenant('tenant-1');
      expect(acct).toMatchObject({ status: 'active', environment: 'sandbox' });
      expect(p.apiRequests).toBe(1);
      expect(p.lastAuthorizeQuery!.get('code_challenge_method')).toBe('S256');
      if (name === 'salesforce') expect(acct!.context.instance_url).toBe(p.url);

      const io = captureIo();
      expect(await accounts(['delete', acct!.id, '--json'], io, async () => rt)).toBe(0);
      expect(JSON.parse(io.stdoutText())).toMatchObject({ deleted: true, revoked: true });
      expect(p.revokeCalls).toEqual([{ token: acct!.context.oauth!.token.refresh_token, token_type_hint: 'refresh_token', client_id: `${name}-client`, client_secret: `${name}-secret-KNOWN` }]);
      expect(await rt.accounts.get(acct!.id)).toBeUndefined();
      expect(audit.entries.map((e) => e.operation)).toEqual(['link_create', 'connect', 'delete']);
      const leaked = [acct!.context.oauth!.token.access_token, acct!.context.oauth!.token.refresh_token!, `${name}-secret-KNOWN`];
      const surfaces = [JSON.stringify(audit.entries), logger.lines.join('\n'), io.stdoutText(), io.stderrText()];
      expect(logger.lines.length).toBeGreaterThan(0);
      for (const secret of leaked) for (const text of surfaces) expect(text).not.toContain(secret);
    });
  }

  it('a grant the provider will not honour ends in validation_error with the provider reason', async () => {
    const { p, rt } = await composed('hubspot');
    p.acceptApi = false;
    const flow = createConnectFlow({ ...rt, ...rt.deps, validator: rt.connectValidator, connectSpec: rt.connectSpec });
    const url = await flow.begin({ tenant_id: 't', integration: 'hubspot', environment: 'sandbox' }, 'http://127.0.0.1:1/connect/callback');
    const consent = await fetch(url, { redirect: 'manual' });
    const cb = new URL(consent.headers.get('location')!);
    const outcome = await flow.complete({ code: cb.searchParams.get('code'), state: cb.searchParams.get('state') });
    expect(outcome.ok).toBe(false);
    const [acct] = await rt.accounts.listByTenant('t');
    expect(acct!.status).toBe('validation_error');
    expect(acct!.last_error!.message).toMatch(/rejected the token it just issued/);
    expect(p.apiRequests).toBe(1);
  });

  it('export --include-secrets → import --verify into a fresh store: same accounts, tokens usable at the provider', async () => {
    const src = await composed('salesforce', 'stored');
    for (let i = 0; i < 3; i++) {
      const flow = createConnectFlow({ ...src.rt, ...src.rt.deps, validator: src.rt.connectValidator, connectSpec: src.rt.connectSpec });
      const url = await flow.begin({ tenant_id: `t${i}`, integration: 'salesforce', environment: 'sandbox' }, 'http://127.0.0.1:1/connect/callback');
      const cb = new URL((await fetch(url, { redirect: 'manual' })).headers.get('location')!);
      expect((await flow.complete({ code: cb.searchParams.get('code'), state: cb.searchParams.get('state') })).ok).toBe(true);
    }
    const { mkdtemp } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const file = join(await mkdtemp(join(tmpdir(), 'crm-rt-')), 'export.json');
    const exp = captureIo();
    expect(await accounts(['export', '--include-secrets', '--hand-off', '--out', file, '--json'], exp, async () => src.rt)).toBe(0);
    for await (const a of src.rt.accounts.list()) expect(a.handed_off).toBe(true);

    // A fresh store on another instance, talking to the same provider (the grants live there).
    const dst = await composed('salesforce', 'stored', src.p);
    const imp = captureIo();
    expect(await accounts(['import', file, '--verify', '--json'], imp, async () => dst.rt)).toBe(0);
    expect(JSON.parse(imp.stdoutText())).toMatchObject({ ok: true, import: { created: 3 }, verify: { active: 3, needs_reauth: 0, failed: 0 } });
    const records = async (rt: typeof src.rt) => (await exportAccounts({ accounts: rt.accounts, audit: rt.audit, actor: 't' }, { includeSecrets: true, handOff: false })).records;
    expect(await records(dst.rt)).toEqual(await records(src.rt));
    for await (const a of dst.rt.accounts.list()) expect(a.handed_off).toBeFalsy();
    expect(src.p.apiRequests).toBe(6);
  });

  it('reconnect of a needs_reauth account with the real audit trail and webhook sender: same id, active, one signed reactivated webhook', async () => {
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
    const secret = 'whsec_' + Buffer.from('k'.repeat(32)).toString('base64');
    const { rt, p } = await composed('salesforce');
    const webhooks = createWebhookSender({ ...rt.deps, endpoints: [{ url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`, secret }], retryDelaysMs: [] });
    const auditTrail = createAuditTrail({ kv: rt.kv, clock: rt.deps.clock, random: rt.deps.random });
    const real = { ...rt, webhooks, audit: auditTrail };
    await rt.accounts.put({
      id: 'acct-reauth',
      tenant_id: 't-r',
      integration: 'salesforce',
      environment: 'sandbox',
      status: 'needs_reauth',
      authentication_method: 'oauth2',
      context: { instance_url: p.url, oauth: { token: { access_token: 'at-OLD-dead', refresh_token: 'rt-OLD-dead' } } },
      created_at: '2026-01-01T00:00:00.000Z',
      updated_at: '2026-01-01T00:00:00.000Z',
      last_error: { code: 'invalid_grant', message: 'expired access/refresh token', at: '2026-01-01T00:00:00.000Z' },
      version: 0,
    });
    const flow = createConnectFlow({ ...real, ...real.deps, validator: real.connectValidator, connectSpec: real.connectSpec });
    const url = await flow.begin({ tenant_id: 't-r', integration: 'salesforce', environment: 'sandbox', account_id: 'acct-reauth' }, 'http://127.0.0.1:1/connect/callback');
    const cb = new URL((await fetch(url, { redirect: 'manual' })).headers.get('location')!);
    const outcome = await flow.complete({ code: cb.searchParams.get('code'), state: cb.searchParams.get('state') });
    expect(outcome).toMatchObject({ ok: true, reconnected: true, account: { id: 'acct-reauth', status: 'active' } });
    expect((await rt.accounts.listByTenant('t-r')).map((a) => a.id)).toEqual(['acct-reauth']);

    expect(received).toHaveLength(1);
    const payload = new Webhook(secret).verify(received[0]!.body, received[0]!.headers) as { type: string; data: Record<string, unknown> };
    expect(payload).toMatchObject({ type: 'integrated_account:reactivated', data: { account_id: 'acct-reauth', status: 'active' } });
    expect(received[0]!.body).not.toMatch(/at-[0-9a-f]{32}|rt-[0-9a-f]{32}/);

    const io = captureIo();
    expect(await audit(['--account', 'acct-reauth', '--json'], io, async () => real)).toBe(0);
    expect(JSON.parse(io.stdoutText()).entries).toEqual([expect.objectContaining({ operation: 'reconnect', outcome: 'success', tenant_id: 't-r', details: expect.objectContaining({ from: 'needs_reauth', to: 'active' }) })]);
  });
});
