/**
 * A live access token needs no OAuth client: a tool call whose stored token is valid never
 * resolves the client (a deployment that serves imported accounts may have none configured);
 * only a refresh does, and then a missing client is a configuration error naming where to set it.
 * The real credential core (composeCore), engine and MCP server against the sandbox HubSpot.
 */
import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import type { LinkedAccount } from '../../src/accounts/model.js';
import { composeCore } from '../../src/app/core.js';
import type { OpenedStore } from '../../src/app/open-store.js';
import { cryptoRandom } from '../../src/core/deps.js';
import { createEncryptingCodec } from '../../src/crypto/encrypting-codec.js';
import { createKeyring, generateKey } from '../../src/crypto/keyring.js';
import { createEngine } from '../../src/engine/engine.js';
import { loadRegistry } from '../../src/integrations/index.js';
import { createServer } from '../../src/mcp/server.js';
import { createAccountStore } from '../../src/store/kv-account-store.js';
import { ENVIRONMENT, sandboxOverrides, startProviders } from '../connect/helpers/sandbox-stack.js';
import { createMemoryLogger } from '../helpers/logger.js';
import { manualClock } from '../helpers/manual-clock.js';
import { createMemoryKv } from '../helpers/memory-kv.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe('a live access token needs no OAuth client', () => {
  it('a 24 h token with no client configured: the tool call succeeds with one provider request; once expired, the refresh says which settings are missing', async () => {
    const clock = manualClock(Date.now());
    const p = await startProviders(clock);
    cleanups.push(p.close);
    const kv = createMemoryKv(clock);
    const keyring = createKeyring(generateKey());
    const codec = createEncryptingCodec({ keyring, secretContextFields: () => [] });
    const accounts = createAccountStore({ kv, codec, clock });
    const store: OpenedStore = { kv, accounts, keyring, keyringSource: 'generated', codec, redis: undefined, close: () => kv.close() };
    const deps = { clock, random: cryptoRandom, logger: createMemoryLogger() };
    const registry = loadRegistry();
    const envOverrides = sandboxOverrides(p);
    const core = composeCore({ deps, registry, store, env: {}, envOverrides, insecureHosts: ['127.0.0.1'], webhookEndpoints: [] });
    cleanups.push(async () => core.scheduler.stop());
    const engine = createEngine({ registry, tokens: core.tokens, deps, envOverrides, insecureHosts: ['127.0.0.1'] });

    const grant = p.hubspot.oauth.seedGrant({ accessTokenTtlSeconds: 86_400 });
    const now = new Date(clock.now()).toISOString();
    const account = await accounts.put({
      id: 'acct-no-client', tenant_id: 't', integration: 'hubspot', environment: ENVIRONMENT, status: 'active', authentication_method: 'oauth2',
      context: { oauth: { token: { access_token: grant.accessToken, refresh_token: grant.refreshToken!, expires_at: new Date(grant.expiresAt).toISOString(), issued_at: now } } },
      created_at: now, updated_at: now, last_error: null, version: 0,
    });
    const call = async (a: LinkedAccount) => {
      const built = await createServer({ account: a, engine, deps, loadAccount: () => accounts.get(a.id) });
      const client = new Client({ name: 't', version: '0' });
      const [x, y] = InMemoryTransport.createLinkedPair();
      await built.server.connect(x);
      await client.connect(y);
      cleanups.push(() => client.close());
      return client.callTool({ name: 'list_contacts', arguments: { limit: 2 } });
    };

    const before = p.hubspot.log.entries.length;
    const ok = await call(account);
    expect(ok.isError, JSON.stringify(ok.content)).toBeFalsy();
    expect(p.hubspot.log.entries.length - before).toBe(1);
    expect(p.hubspot.oauth.stats.tokenRequests).toBe(0);

    clock.set(grant.expiresAt + 1000);
    const failed = await call((await accounts.get(account.id))!);
    expect(failed.isError).toBe(true);
    const text = JSON.stringify(failed.content);
    for (const needle of ['CRM_MCP_HUBSPOT_CLIENT_ID', 'CRM_MCP_HUBSPOT_CLIENT_SECRET', 'CRM_MCP_HUBSPOT_SANDBOX_CLIENT_ID', 'CRM_MCP_HUBSPOT_SANDBOX_CLIENT_SECRET', 'oauthClients']) expect(text).toContain(needle);
    expect(text).not.toMatch(/try again/i);
    expect(p.hubspot.oauth.stats.tokenRequests).toBe(0);
    expect((await accounts.get(account.id))?.status).toBe('active');
  });
});
