import { describe, expect, it } from 'vitest';
import { OAuthClientsConfigSchema } from '../../src/oauth-clients/config.js';
import { createOAuthClientResolver } from '../../src/oauth-clients/resolve.js';
import { createOAuthClientStore } from '../../src/oauth-clients/store.js';
import { createMemoryKv } from '../helpers/memory-kv.js';
import { testSealer } from '../cli/helpers/operator-runtime.js';

describe('resolveOAuthClient', () => {
  const config = OAuthClientsConfigSchema.parse({
    hubspot: { client_id: 'cfg-id', client_secret: 'cfg-secret', environments: { staging: { client_id: 'cfg-stg-id', client_secret: 'cfg-stg-secret' } } },
  });

  it('prefers env-specific over default, and env vars over the store over the config file', async () => {
    const kv = createMemoryKv();
    const store = createOAuthClientStore({ kv, sealer: testSealer });
    const r = (env: NodeJS.ProcessEnv) => createOAuthClientResolver({ env, store, config });

    expect(await r({}).resolveOAuthClient('hubspot', 'production')).toMatchObject({ client_id: 'cfg-id', client_secret: 'cfg-secret', source: 'config', environment_specific: false });
    expect(await r({}).resolveOAuthClient('hubspot', 'staging')).toMatchObject({ client_id: 'cfg-stg-id', source: 'config', environment_specific: true });

    await store.set('hubspot', { client_id: 'st-id', client_secret: 'st-secret-KNOWN' });
    expect(await r({}).resolveOAuthClient('hubspot', 'production')).toMatchObject({ client_id: 'st-id', client_secret: 'st-secret-KNOWN', source: 'store' });
    // An env-specific config entry still beats a default from any source.
    expect(await r({}).resolveOAuthClient('hubspot', 'staging')).toMatchObject({ client_id: 'cfg-stg-id' });

    const env = { CRM_MCP_HUBSPOT_CLIENT_ID: 'env-id', CRM_MCP_HUBSPOT_CLIENT_SECRET: 'env-secret', CRM_MCP_HUBSPOT_STAGING_CLIENT_ID: 'env-stg-id', CRM_MCP_HUBSPOT_STAGING_CLIENT_SECRET: 'env-stg-secret' };
    expect(await r(env).resolveOAuthClient('hubspot', 'production')).toMatchObject({ client_id: 'env-id', client_secret: 'env-secret', source: 'env' });
    expect(await r(env).resolveOAuthClient('hubspot', 'staging')).toMatchObject({ client_id: 'env-stg-id', client_secret: 'env-stg-secret', source: 'env', environment_specific: true });

    for await (const [, raw] of kv.scan('')) expect(raw).not.toContain('st-secret-KNOWN');
    expect(await store.list()).toEqual([{ integration: 'hubspot', environment: null, client_id: 'st-id', has_secret: true }]);
  });

  it('names the integration and where to configure it when nothing is set, without any secret', async () => {
    const err = await createOAuthClientResolver({ env: { CRM_MCP_HUBSPOT_CLIENT_SECRET: 'orphan-secret' } })
      .resolveOAuthClient('salesforce', 'production')
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'oauth_client_misconfigured' });
    expect((err as Error).message).toContain('CRM_MCP_SALESFORCE_CLIENT_ID');
    expect((err as Error).message).not.toContain('orphan-secret');
  });

  it('maps integration names with dashes to env var names', async () => {
    const r = createOAuthClientResolver({ env: { CRM_MCP_MY_CRM_EU_WEST_CLIENT_ID: 'x' } });
    expect(await r.resolveOAuthClient('my-crm', 'eu-west')).toMatchObject({ client_id: 'x', environment_specific: true });
  });
});

describe('OAuth clients from the config file', () => {
  it('env-specific entries drive a real connect through the CLI composition root; printing the config shows no secret', async () => {
    const { mkdtemp, writeFile, readdir, readFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { loadConfig } = await import('../../src/app/config.js');
    const { openOperatorRuntime } = await import('../../src/cli/open.js');
    const { links } = await import('../cli/helpers/cli.js');
    const { startFakeHubSpot } = await import('../../src/sandbox/index.js');
    const { captureIo } = await import('../cli/helpers/operator-runtime.js');

    const hs = await startFakeHubSpot({ seed: { contacts: 1, companies: 0, deals: 0, notes: 0 }, oauth: { clients: [{ clientId: 'cfg-sandbox-app', clientSecret: 'cfg-sandbox-SECRET' }] } });
    try {
      const dir = await mkdtemp(join(tmpdir(), 'crm-cfg-'));
      const file = join(dir, 'crm-mcp.json');
      await writeFile(
        file,
        JSON.stringify({
          dataDir: 'data',
          publicUrl: 'https://connect.example.com',
          environments: { sandbox: { overrides: { hubspot: { auth: { authorize_url: hs.authorizeUrl, token_url: hs.tokenUrl }, base_url: hs.url } } } },
          insecureHosts: ['127.0.0.1'],
          oauthClients: { hubspot: { client_id: 'cfg-default-app', client_secret: 'cfg-default-SECRET', environments: { sandbox: { client_id: 'cfg-sandbox-app', client_secret: 'cfg-sandbox-SECRET' } } } },
        }),
      );
      const env = { CRM_MCP_CONFIG: file };
      const config = loadConfig({ env });
      expect(JSON.stringify(config)).not.toContain('SECRET');
      expect(config.oauthClients()?.hubspot?.environments?.sandbox?.client_id).toBe('cfg-sandbox-app');

      const rt = await openOperatorRuntime({ logLevel: 'warn' }, captureIo({ env }), { create: true });
      try {
        expect(await rt.oauthClients.resolveOAuthClient('hubspot', 'sandbox')).toMatchObject({ client_id: 'cfg-sandbox-app', source: 'config', environment_specific: true });
        expect(await rt.oauthClients.resolveOAuthClient('hubspot', 'production')).toMatchObject({ client_id: 'cfg-default-app', environment_specific: false });
        const io = captureIo({ env });
        // A process of its own, as `crm-mcp links create` would be (the command closes its runtime).
        expect(await links(['create', '--tenant', 't', '--integration', 'hubspot', '--environment', 'sandbox', '--json'], io, openOperatorRuntime)).toBe(0);
        const link = JSON.parse(io.stdoutText()) as { url: string };
        expect(link.url).toMatch(/^https:\/\/connect\.example\.com\/connect\/start\?link=lnk_/);

        const { connectHandlerFor } = await import('../../src/connect/handler.js');
        const { createServer } = await import('node:http');
        const srv = createServer((req, res) => void handler(req, res).then((ok) => ok || res.writeHead(404).end()));
        await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
        const base = `http://127.0.0.1:${(srv.address() as { port: number }).port}`;
        const handler = connectHandlerFor(rt, base);
        try {
          const res = await fetch(base + new URL(link.url).pathname + new URL(link.url).search, { method: 'POST', redirect: 'follow' });
          expect(res.status, await res.text()).toBe(200);
        } finally {
          srv.closeAllConnections();
          await new Promise<void>((r) => srv.close(() => r()));
        }
        const [acct] = await rt.accounts.listByTenant('t');
        expect(acct).toMatchObject({ status: 'active', environment: 'sandbox' });
        expect(hs.oauth.grantOf(acct!.context.oauth!.token.access_token)?.clientId).toBe('cfg-sandbox-app');
      } finally {
        await rt.close();
      }
      for (const f of await readdir(join(dir, 'data'))) expect((await readFile(join(dir, 'data', f))).includes('cfg-sandbox-SECRET')).toBe(false);
    } finally {
      await hs.close();
    }
  });

  it('a malformed oauthClients section fails loading with the field path', async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { loadConfig } = await import('../../src/app/config.js');
    const file = join(await mkdtemp(join(tmpdir(), 'crm-cfg-')), 'bad.json');
    await writeFile(file, JSON.stringify({ oauthClients: { hubspot: { environments: { sandbox: { client_secret: 'only-a-secret' } } } } }));
    const err = (() => {
      try {
        loadConfig({ env: { CRM_MCP_CONFIG: file } });
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(err).toMatchObject({ code: 'config_invalid' });
    expect(err!.message).toContain('oauthClients.hubspot.environments.sandbox.client_id');
    expect(err!.message).not.toContain('only-a-secret');
  });
});
