/**
 * A tool call reads the account from the store once: the tool loads it (over HTTP: the access
 * decision does, and the call uses that read), and the engine hands that account to the token
 * manager, which needs no read of its own while the token is valid. Counted with an AccountStore
 * wrapper under the real MCP server, engine and token manager (composeCore), in process and over
 * the real Streamable HTTP server with a bearer token, against the sandbox HubSpot.
 */
import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import { composeCore } from '../../src/app/core.js';
import type { OpenedStore } from '../../src/app/open-store.js';
import { cryptoRandom } from '../../src/core/deps.js';
import { createEncryptingCodec } from '../../src/crypto/encrypting-codec.js';
import { createKeyring, generateKey } from '../../src/crypto/keyring.js';
import { createMemoryLogger } from '../helpers/logger.js';
import { createEngine } from '../../src/engine/engine.js';
import { loadRegistry } from '../../src/integrations/index.js';
import { createServer } from '../../src/mcp/server.js';
import type { AccountStore } from '../../src/store/account-store.js';
import { createAccountStore } from '../../src/store/kv-account-store.js';
import { createMemoryKv } from '../helpers/memory-kv.js';
import { createAccessTokenStore } from '../../src/access-tokens/store.js';
import { startHttpServer } from '../../src/http/server.js';
import { LIST_CALL, mcpPost } from '../http/helpers.js';
import { CLIENT_ENV, ENVIRONMENT, sandboxOverrides, startProviders } from '../connect/helpers/sandbox-stack.js';
import { manualClock } from '../helpers/manual-clock.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function countingStore(inner: AccountStore) {
  const counts = { reads: 0, writes: 0 };
  const read = <A extends unknown[], R>(fn: (...a: A) => R) => (...a: A): R => {
    counts.reads++;
    return fn(...a);
  };
  const write = <A extends unknown[], R>(fn: (...a: A) => R) => (...a: A): R => {
    counts.writes++;
    return fn(...a);
  };
  const store: AccountStore = {
    get: read(inner.get),
    listByTenant: read(inner.listByTenant),
    listByStatus: read(inner.listByStatus),
    countByStatus: read(inner.countByStatus),
    list: read(inner.list),
    put: write(inner.put),
    update: write(inner.update),
    putIfVersion: write(inner.putIfVersion),
    delete: write(inner.delete),
  };
  return { store, counts };
}

/** The real core and engine over a counting store holding one HubSpot account with a valid token. */
async function rig() {
  const clock = manualClock(Date.now());
  const p = await startProviders(clock);
  cleanups.push(p.close);
  const kv = createMemoryKv(clock);
  const keyring = createKeyring(generateKey());
  const codec = createEncryptingCodec({ keyring, secretContextFields: () => [] });
  const { store: accounts, counts } = countingStore(createAccountStore({ kv, codec, clock }));
  const store: OpenedStore = { kv, accounts, keyring, keyringSource: 'generated', codec, redis: undefined, close: () => kv.close() };
  const deps = { clock, random: cryptoRandom, logger: createMemoryLogger() };
  const registry = loadRegistry();
  const envOverrides = sandboxOverrides(p);
  const insecureHosts = ['127.0.0.1'];
  const core = composeCore({ deps, registry, store, env: CLIENT_ENV, envOverrides, insecureHosts, webhookEndpoints: [] });
  cleanups.push(async () => core.scheduler.stop());
  const engine = createEngine({ registry, tokens: core.tokens, deps, envOverrides, insecureHosts });

  const grant = p.hubspot.oauth.seedGrant();
  const now = new Date(clock.now()).toISOString();
  const account = await accounts.put({
    id: 'acct-reads', tenant_id: 't', integration: 'hubspot', environment: ENVIRONMENT, status: 'active', authentication_method: 'oauth2',
    context: { oauth: { token: { access_token: grant.accessToken, refresh_token: grant.refreshToken!, expires_at: new Date(grant.expiresAt).toISOString() } } },
    created_at: now, updated_at: now, last_error: null, version: 0,
  });
  return { p, kv, accounts, counts, deps, engine, account };
}

describe('store reads per tool call', () => {
  it('a tool call with a valid token reads the account once and writes nothing', async () => {
    const { p, accounts, counts, deps, engine, account } = await rig();
    const built = await createServer({ account, engine, deps, loadAccount: () => accounts.get(account.id) });
    const client = new Client({ name: 't', version: '0' });
    const [a, b] = InMemoryTransport.createLinkedPair();
    await built.server.connect(a);
    await client.connect(b);
    cleanups.push(() => client.close());

    counts.reads = 0;
    counts.writes = 0;
    const res = await client.callTool({ name: 'list_contacts', arguments: { limit: 2 } });
    expect(res.isError, JSON.stringify(res.content)).toBeFalsy();
    expect(p.hubspot.oauth.stats.tokenRequests).toBe(0);
    expect(counts).toEqual({ reads: 1, writes: 0 });
  });

  it('over Streamable HTTP with a bearer token: one account read per tool call', async () => {
    const { p, kv, accounts, counts, deps, engine, account } = await rig();
    const tokens = createAccessTokenStore({ kv, clock: deps.clock, random: deps.random });
    const { token } = await tokens.create({ tenantId: account.tenant_id, accountId: account.id });
    const srv = await startHttpServer({ port: 0, engine, deps, accounts, auth: { mode: 'tokens', tokens } });
    cleanups.push(() => srv.close());
    counts.reads = 0;
    counts.writes = 0;
    const res = await mcpPost(`${srv.url}/mcp`, LIST_CALL, { authorization: `Bearer ${token}` });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { result?: { isError?: boolean; structuredContent?: { contacts?: unknown[] } } };
    expect(body.result?.isError, JSON.stringify(body)).toBeFalsy();
    expect(body.result?.structuredContent?.contacts).toHaveLength(2);
    expect(p.hubspot.oauth.stats.tokenRequests).toBe(0);
    expect(counts).toEqual({ reads: 1, writes: 0 });
  });
});
