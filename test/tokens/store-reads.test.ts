/**
 * A tool call reads the account from the store once: the tool loads it (over HTTP: the access
 * decision does, and the call uses that read), and the engine hands that account to the token
 * manager, which needs no read of its own while the token is valid. Counted with an AccountStore
 * wrapper under the real MCP server, engine and token manager (composeCore), in process and over
 * the real Streamable HTTP server with a bearer token, against the sandbox HubSpot.
 *
 * Then at the KvStore seam (every get, scan and change check), over the stores the tool-call path
 * reads in production (composeCore's `serving`) on the embedded store: without caches a call over
 * HTTP reads twice (bearer-token record, account); with them, once (the change check) in the
 * steady state, and a write of this process is seen by the very next call. On Redis, whose writes
 * arrive as messages, the check runs at most every 250 ms: most calls read nothing.
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
import { manualClock, type ManualClock } from '../helpers/manual-clock.js';
import { redisAvailable, redisSkipReason, startRedis } from '../helpers/redis-server.js';
import { createRedisKv } from '../../src/store/redis-kv.js';
import type { KvStore } from '../../src/store/kv.js';
import { createSqliteKv } from '../../src/store/sqlite-kv.js';

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

/** composeCore and the engine over `store`, with one active HubSpot account holding a fresh sandbox grant. */
async function coreWithAccount(p: Awaited<ReturnType<typeof startProviders>>, clock: ManualClock, store: OpenedStore, id: string) {
  const deps = { clock, random: cryptoRandom, logger: createMemoryLogger() };
  const registry = loadRegistry();
  const envOverrides = sandboxOverrides(p);
  const insecureHosts = ['127.0.0.1'];
  const core = composeCore({ deps, registry, store, env: CLIENT_ENV, envOverrides, insecureHosts, webhookEndpoints: [] });
  cleanups.push(async () => core.scheduler.stop());
  const engine = createEngine({ registry, tokens: core.tokens, deps, envOverrides, insecureHosts });
  const grant = p.hubspot.oauth.seedGrant();
  const now = new Date(clock.now()).toISOString();
  const account = await store.accounts.put({
    id, tenant_id: 't', integration: 'hubspot', environment: ENVIRONMENT, status: 'active', authentication_method: 'oauth2',
    context: { oauth: { token: { access_token: grant.accessToken, refresh_token: grant.refreshToken!, expires_at: new Date(grant.expiresAt).toISOString() } } },
    created_at: now, updated_at: now, last_error: null, version: 0,
  });
  return { deps, core, engine, account };
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
  const { deps, engine, account } = await coreWithAccount(p, clock, store, 'acct-reads');
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

/** Counts what a KvStore is asked: reads (get, scan, change checks) and writes, and which keys were read. */
function countingKv(inner: KvStore, o: { announce: boolean }) {
  const counts = { reads: 0, writes: 0, checks: 0, keys: [] as string[] };
  const write = <A extends unknown[], R>(fn: (...a: A) => R) => (...a: A): R => {
    counts.writes++;
    return fn(...a);
  };
  const changes = inner.changes!;
  const kv: KvStore = {
    kind: inner.kind,
    shared: inner.shared,
    get: (k) => {
      counts.reads++;
      counts.keys.push(k);
      return inner.get(k);
    },
    scan: (p) => {
      counts.reads++;
      counts.keys.push(`${p}*`);
      return inner.scan(p);
    },
    set: write(inner.set),
    delete: write(inner.delete),
    compareAndSet: write(inner.compareAndSet),
    setIfAbsent: write(inner.setIfAbsent),
    extendIfEquals: write(inner.extendIfEquals),
    deleteIfEquals: write(inner.deleteIfEquals),
    ...(o.announce
      ? {
          changes: {
            live: changes.live,
            subscribe: (l: (key: string | undefined) => void) => changes.subscribe(l),
            check: () => {
              counts.reads++;
              counts.checks++;
              return changes.check();
            },
          },
        }
      : {}),
    close: () => inner.close(),
  };
  return { kv, counts };
}

/** composeCore over a counting embedded store, its `serving` stores behind the Streamable HTTP server, one account and a bearer token. */
async function servingRig(o: { announce: boolean; open?: (clock: ManualClock) => Promise<KvStore> }) {
  const clock = manualClock(Date.now());
  const p = await startProviders(clock);
  cleanups.push(p.close);
  const inner = await (o.open ?? ((c) => createSqliteKv({ path: ':memory:', clock: c })))(clock);
  const { kv, counts } = countingKv(inner, o);
  const keyring = createKeyring(generateKey());
  const codec = createEncryptingCodec({ keyring, secretContextFields: () => [] });
  const accounts = createAccountStore({ kv, codec, clock });
  const store: OpenedStore = { kv, accounts, keyring, keyringSource: 'generated', codec, redis: undefined, close: () => kv.close() };
  cleanups.push(() => store.close());
  const { deps, core, engine, account } = await coreWithAccount(p, clock, store, 'acct-serving');
  const { token, info } = await core.serving.accessTokens.create({ tenantId: account.tenant_id, accountId: account.id });
  const srv = await startHttpServer({ port: 0, engine, deps, accounts: core.serving.accounts, auth: { mode: 'tokens', tokens: core.serving.accessTokens } });
  cleanups.push(() => srv.close());
  type Body = { result?: { isError?: boolean; structuredContent?: { contacts?: unknown[]; error?: { code?: string } } } };
  /** One list_contacts call; the store reads it cost. */
  const call = async (bearer = token) => {
    const before = counts.reads;
    const res = await mcpPost(`${srv.url}/mcp`, LIST_CALL, { authorization: `Bearer ${bearer}` });
    const body = res.status === 200 ? ((await res.json()) as Body) : undefined;
    return { status: res.status, body, reads: counts.reads - before };
  };
  return { p, clock, kv, counts, core, accounts, account, token, tokenId: info.id, call };
}

describe('store reads per tool call at the KvStore seam (serving stores, embedded store)', () => {
  it('without change announcements (nothing cached): two reads per call, the bearer-token record and the account', async () => {
    const { counts, call, account, tokenId } = await servingRig({ announce: false });
    for (let i = 0; i < 3; i++) {
      counts.keys.length = 0;
      const r = await call();
      expect(r.body?.result?.isError, JSON.stringify(r.body)).toBeFalsy();
      expect(r.reads).toBe(2);
      expect(counts.keys).toEqual([`mcptok:${tokenId}`, `acct:${account.id}`]);
    }
  });

  it('with them: after the first call, one read per call — the change check (PRAGMA data_version), shared by its two lookups — and no get, no write', async () => {
    const { p, clock, counts, call } = await servingRig({ announce: true });
    const first = await call();
    expect(first.body?.result?.structuredContent?.contacts).toHaveLength(2);
    const writes = counts.writes;
    counts.keys.length = 0;
    const checks = counts.checks;
    const perCall: number[] = [];
    for (let i = 0; i < 30; i++) {
      await clock.advance(60);
      const r = await call();
      expect(r.body?.result?.isError, JSON.stringify(r.body)).toBeFalsy();
      expect(r.body?.result?.structuredContent?.contacts).toHaveLength(2);
      perCall.push(r.reads);
    }
    expect(perCall, JSON.stringify(counts.keys)).toEqual(Array(30).fill(1));
    expect(counts.checks - checks).toBe(30);
    expect(counts.keys).toEqual([]);
    expect(counts.writes).toBe(writes);
    expect(p.hubspot.oauth.stats.tokenRequests).toBe(0);
  });

  it("this process's own writes are seen by the very next call, the clock unmoved: a revoked token is refused, an account moved to needs_reauth answers the reauth result", async () => {
    const { core, accounts, account, tokenId, call } = await servingRig({ announce: true });
    const other = (await core.serving.accessTokens.create({ tenantId: account.tenant_id, accountId: account.id })).token;
    expect((await call()).status).toBe(200);
    expect((await call(other)).status).toBe(200);
    expect((await call()).reads).toBe(1);
    await core.serving.accessTokens.revoke(tokenId);
    expect((await call()).status).toBe(401);
    await accounts.update(account.id, (a) => ({ ...a, status: 'needs_reauth' }));
    const r = await call(other);
    expect(r.body?.result?.isError).toBe(true);
    expect(r.body?.result?.structuredContent?.error?.code).toBe('needs_reauth');
  });

  it('after this process refreshed the token the next call uses the new one (the old one revoked at the provider: no 401, no second refresh)', async () => {
    const { p, core, account, call } = await servingRig({ announce: true });
    expect((await call()).status).toBe(200);
    const old = account.context.oauth!.token.access_token;
    const refreshed = await core.tokens.retryRefresh(account.id);
    expect(refreshed.accessToken).not.toBe(old);
    expect(p.hubspot.oauth.stats.tokenRequests).toBe(1);
    p.hubspot.oauth.revokeToken(old);
    const r = await call();
    expect(r.body?.result?.isError, JSON.stringify(r.body)).toBeFalsy();
    expect(r.body?.result?.structuredContent?.contacts).toHaveLength(2);
    expect(p.hubspot.oauth.stats.tokenRequests).toBe(1);
  });
});

describe.skipIf(!redisAvailable)(`store reads per tool call at the KvStore seam (serving stores, Redis)${redisAvailable ? '' : ` ${redisSkipReason}`}`, () => {
  it('after the first call, at most one read per call (the change check, at most every 250 ms of the clock), none on most; no get, no write', async () => {
    const redis = await startRedis();
    cleanups.push(() => redis.stop());
    const { p, clock, counts, call } = await servingRig({ announce: true, open: () => createRedisKv({ url: redis.url, prefix: 'reads:' }) });
    expect((await call()).body?.result?.structuredContent?.contacts).toHaveLength(2);
    const writes = counts.writes;
    counts.keys.length = 0;
    const checks = counts.checks;
    const perCall: number[] = [];
    for (let i = 0; i < 30; i++) {
      await clock.advance(60);
      const r = await call();
      expect(r.body?.result?.structuredContent?.contacts).toHaveLength(2);
      perCall.push(r.reads);
    }
    expect(Math.max(...perCall), JSON.stringify(counts.keys)).toBe(1);
    // A call every 60 ms for 1.8 s, a check due 250 ms after the last: at 300, 600, …, 1800 ms; 24 calls read nothing.
    expect(counts.checks - checks).toBe(6);
    expect(perCall.filter((n) => n === 0)).toHaveLength(24);
    expect(counts.keys).toEqual([]);
    expect(counts.writes).toBe(writes);
    expect(p.hubspot.oauth.stats.tokenRequests).toBe(0);
  });
});
