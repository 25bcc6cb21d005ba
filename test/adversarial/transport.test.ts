/**
 * Adversarial: one transport rule for every outbound URL. Regression for the report: plain-http
 * authorize, token and revoke URLs were accepted (client secret and refresh tokens in cleartext)
 * while a plain-http API host had no operator switch at all. Now authorize, token, revoke,
 * introspection, API and captured-context URLs must be https on an allowed host; only the
 * operator's `insecureHosts` (config key or CRM_MCP_INSECURE_HOSTS; loopback only; warned at
 * start) allows plain http, for local development providers. The real composition root (openApp)
 * against the HubSpot fake on loopback; requests are counted at the fake.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.js';
import { openApp, type App } from '../../src/app/open-app.js';
import { checkOutboundUrl, insecureHostProblem, oauthEndpointProblem } from '../../src/integrations/hosts.js';
import { loadRegistry, resolveDefinition } from '../../src/integrations/index.js';
import { startFakeHubSpot, type FakeHubSpot } from '../../src/sandbox/index.js';
import { configEnvironments, writeConfigFile } from '../helpers/dist.js';
import { manualClock } from '../helpers/manual-clock.js';

const CLIENT = { clientId: 'hs-app', clientSecret: 'hs-client-secret-KNOWN' };
const ENV = { CRM_MCP_HUBSPOT_SANDBOX_CLIENT_ID: CLIENT.clientId, CRM_MCP_HUBSPOT_SANDBOX_CLIENT_SECRET: CLIENT.clientSecret };
let hs: FakeHubSpot;
const opened: App[] = [];

beforeAll(async () => {
  hs = await startFakeHubSpot({ seed: { contacts: 2, companies: 0, deals: 0, notes: 0 }, oauth: { clients: [CLIENT] } });
});
afterAll(async () => {
  for (const a of opened) await a.close();
  await hs?.close();
});

/** The app with the `sandbox` environment on the fake (every URL plain http on 127.0.0.1). */
async function open(o: { insecureHosts?: string[]; env?: NodeJS.ProcessEnv } = {}) {
  const auth = { authorize_url: hs.authorizeUrl, token_url: hs.tokenUrl, revoke_url: hs.revokeUrl, introspect_url: hs.introspectUrl };
  const config = writeConfigFile({ environments: configEnvironments({ sandbox: { hubspot: { auth, base_url: hs.url } } }), ...(o.insecureHosts ? { insecureHosts: o.insecureHosts } : {}) });
  const lines: string[] = [];
  const clock = manualClock(Date.now());
  const app = await openApp({ flags: { config, dataDir: mkdtempSync(join(tmpdir(), 'crm-transport-')), logLevel: 'warn' }, env: { ...ENV, ...o.env }, clock, create: true, stderr: (l) => void lines.push(l) });
  opened.push(app);
  const grant = hs.oauth.seedGrant({ clientId: CLIENT.clientId });
  const account = await app.store.accounts.put({
    id: `acct-${opened.length}`, tenant_id: 't', integration: 'hubspot', environment: 'sandbox', status: 'active', authentication_method: 'oauth2',
    // Expired: the next call must refresh at the token URL.
    context: { oauth: { token: { access_token: grant.accessToken, refresh_token: grant.refreshToken!, expires_at: new Date(clock.now() - 1000).toISOString() } } },
    created_at: new Date().toISOString(), updated_at: new Date().toISOString(), version: 0,
  });
  return { app, account, lines };
}

describe('OAuth endpoints and the API over plain http', () => {
  it('without insecureHosts: refresh, connect, revoke and API calls are refused before anything is sent', async () => {
    const { app, account } = await open();
    const before = { ...hs.oauth.stats, api: hs.log.entries.length };
    await expect(app.core.tokens.getAccessToken(account)).rejects.toMatchObject({ code: 'host_not_allowed', message: expect.stringMatching(/token_url: scheme http: is not allowed/) });
    const rt = await app.operator();
    await expect(rt.connectSpec('hubspot', 'sandbox')).rejects.toMatchObject({ code: 'host_not_allowed' });
    await expect(rt.revoke(account)).rejects.toMatchObject({ code: 'host_not_allowed' });
    const call = await app.engine.execute({ account, resource: 'contacts', method: 'list' });
    expect(call).toMatchObject({ ok: false, error: { code: 'host_not_allowed' }, provider_requests: 0 });
    expect(hs.oauth.stats.tokenRequests).toBe(before.tokenRequests);
    expect(hs.oauth.stats.revokeRequests).toBe(before.revokeRequests);
    expect(hs.log.entries.length).toBe(before.api);
  });

  it('with the loopback host in insecureHosts (config key or CRM_MCP_INSECURE_HOSTS): the same calls work, and the start warns', async () => {
    for (const o of [{ insecureHosts: ['127.0.0.1'] }, { env: { CRM_MCP_INSECURE_HOSTS: new URL(hs.url).host } }]) {
      const { app, account, lines } = await open(o);
      expect(lines.join('')).toMatch(/"level":"warn".*insecureHosts is set/);
      const got = await app.core.tokens.getAccessToken(account);
      expect(got.accessToken).not.toBe(account.context.oauth!.token.access_token);
      expect(await app.engine.execute({ account: got.account, resource: 'contacts', method: 'list' })).toMatchObject({ ok: true });
      await expect((await app.operator()).connectSpec('hubspot', 'sandbox')).resolves.toMatchObject({ tokenUrl: hs.tokenUrl });
    }
  });

  it('insecureHosts takes only loopback hosts: anything else fails the configuration, naming the entry', () => {
    for (const bad of ['api.hubapi.com', '10.0.0.5', 'example.com:8080', '0.0.0.0', '127.0.0.1.nip.io', 'http://127.0.0.1']) {
      const config = writeConfigFile({ insecureHosts: [bad] });
      expect(() => loadConfig({ env: { CRM_MCP_CONFIG: config } }), bad).toThrow(expect.objectContaining({ code: 'config_invalid', message: expect.stringContaining(bad) }));
      expect(() => loadConfig({ env: { CRM_MCP_INSECURE_HOSTS: bad } }), bad).toThrow(expect.objectContaining({ code: 'config_invalid' }));
    }
    expect(loadConfig({ env: { CRM_MCP_INSECURE_HOSTS: 'localhost:8089, 127.0.0.1,[::1]:9000' } }).insecureHosts).toEqual(['localhost:8089', '127.0.0.1', '[::1]:9000']);
    expect(() => loadConfig({ env: { CRM_MCP_CONFIG: writeConfigFile({ extraProviderHosts: ['127.0.0.1'] }) } })).toThrow(expect.objectContaining({ code: 'config_invalid' }));
  });
});

describe('the rule itself', () => {
  const registry = loadRegistry();
  const hubspot = (auth: Record<string, string>) => resolveDefinition(registry.get('hubspot'), { auth }, {});

  it('every OAuth endpoint of a definition: https, or http on an insecure loopback host', () => {
    expect(oauthEndpointProblem(registry.get('hubspot'))).toBeNull();
    expect(oauthEndpointProblem(registry.get('salesforce'))).toBeNull();
    for (const field of ['authorize_url', 'token_url', 'revoke_url', 'introspect_url']) {
      expect(oauthEndpointProblem(hubspot({ [field]: 'http://login.example.com/x' })), field).toMatch(new RegExp(`^auth\\.${field}: scheme http:`));
      expect(oauthEndpointProblem(hubspot({ [field]: 'https://user:pw@login.example.com/x' })), field).toMatch(/credentials/);
      expect(oauthEndpointProblem(hubspot({ [field]: 'http://127.0.0.1:9/x' })), field).not.toBeNull();
      expect(oauthEndpointProblem(hubspot({ [field]: 'http://127.0.0.1:9/x' }), ['127.0.0.1:9']), field).toBeNull();
    }
  });

  it('an insecure entry that is not loopback never permits http, nor adds an allowed host', () => {
    expect(checkOutboundUrl(new URL('http://evil.example/'), ['api.hubapi.com'], ['evil.example'])).toMatch(/scheme http:/);
    expect(checkOutboundUrl(new URL('https://evil.example/'), ['api.hubapi.com'], ['evil.example'])).toMatch(/not in the integration's allowed hosts/);
    expect(checkOutboundUrl(new URL('http://127.0.0.2:80/'), [], ['127.0.0.1'])).not.toBeNull();
    expect(checkOutboundUrl(new URL('http://[::1]:9000/'), [], ['[::1]:9000'])).toBeNull();
    expect(checkOutboundUrl(new URL('http://localhost:9000/'), [], ['localhost'])).toBeNull();
    for (const e of ['localhost', '127.0.0.1:80', '[::1]', '127.1.2.3']) expect(insecureHostProblem(e), e).toBeNull();
  });
});
