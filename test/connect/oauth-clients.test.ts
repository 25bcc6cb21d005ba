import { describe, expect, it } from 'vitest';
import { createOAuthClientResolver, createOAuthClientStore, OAuthClientsConfigSchema } from '../../src/oauth-clients/index.js';
import { createMemoryKv } from '../../src/store/memory-kv.js';
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
