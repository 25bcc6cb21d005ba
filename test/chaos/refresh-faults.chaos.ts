/**
 * The fault-injection suite of issue 11 (`npm run chaos`, which .ci/run runs): faults injected for
 * real — store writes failing, Redis refusing writes (OOM) and restarting, a TCP partition between
 * a replica and Redis longer than the lock TTL, a trickling token endpoint, SIGKILL of the
 * refreshing process at each step, a re-import after a rotation, a scheduler claimer killed
 * mid-refresh — each against a rotating provider with reuse detection. Every run ends with the
 * checks of rig.ts `record`; the suite prints the table (fault × outcome) at the end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditTrail } from '../../src/audit/log.js';
import { cryptoRandom, systemClock } from '../../src/core/deps.js';
import { isCrmMcpError } from '../../src/core/errors.js';
import { createAccountStore } from '../../src/store/kv-account-store.js';
import { createRedisDueQueue } from '../../src/tokens/redis-due-queue.js';
import { createRefreshScheduler } from '../../src/tokens/scheduler.js';
import { createTokenManager } from '../../src/tokens/manager.js';
import { importAccounts } from '../../src/transfer/import.js';
import { parseImportText } from '../../src/transfer/parse.js';
import { createMemoryLogger } from '../helpers/logger.js';
import { plainCodec } from '../helpers/memory-kv.js';
import { redisAvailable, redisSkipReason, startRedis, type RedisHandle } from '../helpers/redis-server.js';
import { tokenFor } from '../tokens/helpers/calls.js';
import { failingAccountWrites, startTricklingTokenEndpoint } from '../tokens/helpers/faults.js';
import { settle, until } from '../tokens/helpers/wait.js';
import { callA, record, renderTable, startRun, table, TIMING, type Run } from './helpers/rig.js';
import { startTcpProxy } from './helpers/tcp-proxy.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!redisAvailable)(`chaos: refresh under faults${redisAvailable ? '' : ` (${redisSkipReason})`}`, () => {
  let redis: RedisHandle;
  const runs: Run[] = [];
  const run = async (...a: Parameters<typeof startRun>) => {
    const r = await startRun(...a);
    runs.push(r);
    return r;
  };
  beforeAll(async () => {
    redis = await startRedis({ persist: true });
  });
  afterAll(async () => {
    for (const r of runs) await r.close().catch(() => undefined);
    await redis?.stop();
    console.log(`\nchaos table (issue 11):\n${renderTable(table)}\n`);
  });

  /** B asks for a token and the account settles with the provider's current tokens stored. */
  async function bEndsWell(r: Run) {
    const got = await settle(tokenFor(r.b, r.store, r.id));
    await until(async () => (await r.store.get(r.id))?.context.oauth?.token.refresh_token !== r.rt0 || r.fake.provider.stats.reuseRevocations > 0, 'tokens stored');
    return got;
  }

  it('store writes fail 3 times after the provider rotated (one replica)', async () => {
    const r = await run(redis.url);
    const writes = failingAccountWrites(r.kv);
    const store = createAccountStore({ kv: writes.kv, codec: plainCodec, clock: systemClock });
    const a = createTokenManager({ deps: { clock: systemClock, random: cryptoRandom, logger: createMemoryLogger() }, store, kv: writes.kv, resolveRefreshConfig: async () => r.fake.config(), ...TIMING, persistRetryDelaysMs: [200] });
    writes.fail(3);
    const first = await settle(tokenFor(a, store, r.id));
    expect(!first.ok && isCrmMcpError(first.error, 'transient_auth')).toBe(true);
    await until(async () => (await r.store.get(r.id))?.context.oauth?.token.refresh_token !== r.rt0, 'the retry storing the tokens');
    expect((await tokenFor(a, store, r.id)).accessToken).toBe(r.fake.provider.stats.issuedAccessTokens[0]);
    await record(r, 'store writes fail 3× after the provider rotated');
  });

  it('Redis refuses writes (OOM) while A stores its tokens, then recovers', async () => {
    const r = await run(redis.url);
    const A = await r.spawnA();
    r.hold();
    const a = callA(A, r);
    await until(() => r.fake.provider.stats.tokenRequests === 1, 'A at the provider');
    await r.kv.client.sendCommand(['CONFIG', 'SET', 'maxmemory-policy', 'noeviction']);
    await r.kv.client.sendCommand(['CONFIG', 'SET', 'maxmemory', '1']);
    r.release();
    expect((await a).errors).toEqual(['transient_auth']);
    const b = bEndsWell(r);
    await sleep(TIMING.lockTtlMs * 2); // OOM outlasts the lock TTL: only the watchdog keeps A's lock
    await r.kv.client.sendCommand(['CONFIG', 'SET', 'maxmemory', '0']);
    expect((await b).ok).toBe(true);
    await record(r, 'Redis OOM while A stores (2 replicas), outlasting the lock TTL');
  });

  it('Redis restarts while A stores its tokens', async () => {
    const r = await run(redis.url);
    const A = await r.spawnA();
    r.hold();
    const a = callA(A, r);
    await until(() => r.fake.provider.stats.tokenRequests === 1, 'A at the provider');
    await redis.restart(async () => {
      r.release();
      // A's caller is answered once its write failed: "refresh in progress".
      expect((await a).errors).toEqual(['transient_auth']);
    });
    await until(() => r.kv.client.isReady, "B's Redis connection back");
    expect((await bEndsWell(r)).ok).toBe(true);
    await record(r, 'Redis restarts (AOF) while A stores (2 replicas)');
  });

  it('a partition between A and Redis longer than the lock TTL', async () => {
    const r = await run(redis.url);
    const proxy = await startTcpProxy(redis.port);
    const A = await r.spawnA({ redisUrl: proxy.url });
    r.hold();
    const a = callA(A, r);
    await until(() => r.fake.provider.stats.tokenRequests === 1, 'A at the provider');
    proxy.partition();
    r.release();
    expect((await a).errors).toEqual(['transient_auth']);
    const b = bEndsWell(r);
    await sleep(TIMING.lockTtlMs * 2); // the partition outlasts the lock TTL (A cannot renew its lock)
    proxy.heal();
    expect((await b).ok).toBe(true);
    await proxy.close();
    await record(r, 'partition A↔Redis for 2× the lock TTL (2 replicas)');
  });

  it('a token endpoint trickling a 2xx answer past the lock TTL', async () => {
    const r = await run(redis.url);
    const slow = await startTricklingTokenEndpoint(r.fake.provider, { headersAfterMs: 800, chunks: 4, chunkGapMs: 800 });
    const A = await r.spawnA({ tokenUrl: slow.tokenUrl });
    const a = callA(A, r);
    await until(() => slow.progress.requests === 1, 'A at the provider');
    const b = bEndsWell(r);
    await a;
    await b;
    await slow.close();
    await record(r, 'token endpoint trickles a 2xx answer for ~4 s (lock TTL 1.5 s, deadline 1 s)');
  });

  it('a token endpoint whose answer comes after the deadline (the provider rotated first)', async () => {
    const r = await run(redis.url);
    const slow = await startTricklingTokenEndpoint(r.fake.provider, { headersAfterMs: 2_500, chunks: 1, chunkGapMs: 0 });
    const A = await r.spawnA({ tokenUrl: slow.tokenUrl });
    expect((await callA(A, r)).errors).toEqual(['transient_auth']);
    await sleep(TIMING.backoffMaxMs + 100);
    const b = await settle(tokenFor(r.b, r.store, r.id));
    expect(!b.ok && isCrmMcpError(b.error, 'needs_reauth')).toBe(true);
    await slow.close();
    await record(r, 'token endpoint answers after the deadline, having rotated: the answer is lost', true);
  });

  it('SIGKILL of the refreshing process before its request leaves', async () => {
    const r = await run(redis.url);
    const A = await r.spawnA({ freeze: 'sending' });
    void callA(A, r).catch(() => undefined);
    await A.next('event', (m) => m.name === 'sending');
    A.child.kill('SIGKILL');
    expect((await bEndsWell(r)).ok).toBe(true);
    await record(r, 'SIGKILL before the request (B waits out the hold TTL, then refreshes)');
  });

  it('SIGKILL of the refreshing process after the provider rotated', async () => {
    const r = await run(redis.url);
    const A = await r.spawnA();
    r.hold();
    void callA(A, r).catch(() => undefined);
    await until(() => r.fake.provider.stats.tokenRequests === 1, 'A at the provider');
    A.child.kill('SIGKILL');
    await A.exited;
    r.release();
    const b = await settle(tokenFor(r.b, r.store, r.id));
    expect(!b.ok && isCrmMcpError(b.error, 'needs_reauth')).toBe(true);
    await record(r, 'SIGKILL after the provider rotated, before the answer arrived', true);
  });

  it('SIGKILL of the refreshing process before it stores the tokens', async () => {
    const r = await run(redis.url);
    const A = await r.spawnA({ freeze: 'writing' });
    void callA(A, r).catch(() => undefined);
    await A.next('event', (m) => m.name === 'writing');
    A.child.kill('SIGKILL');
    const b = await settle(tokenFor(r.b, r.store, r.id));
    expect(!b.ok && isCrmMcpError(b.error, 'needs_reauth')).toBe(true);
    await record(r, 'SIGKILL with the answer in hand, before storing it', true);
  });

  it('SIGKILL of the refreshing process after it stored the tokens, before releasing the lock', async () => {
    const r = await run(redis.url);
    const A = await r.spawnA({ freeze: 'written' });
    void callA(A, r).catch(() => undefined);
    await A.next('event', (m) => m.name === 'written');
    A.child.kill('SIGKILL');
    const b = await bEndsWell(r);
    expect(b.ok && b.value.accessToken).toBe(r.fake.provider.stats.issuedAccessTokens[0]);
    await record(r, 'SIGKILL after storing, lock still held (B uses the stored tokens)');
  });

  it('a re-import of an edited record after the provider rotated', async () => {
    const r = await run(redis.url);
    const imports = { accounts: r.store, kv: r.kv, clock: systemClock, audit: createAuditTrail({ kv: r.kv, clock: systemClock, random: cryptoRandom }), actor: 'chaos' };
    const rec = (over: Record<string, unknown>) =>
      JSON.stringify({ id: r.id, integration: 'hubspot', tenant_id: 'tenant-1', authentication_method: 'oauth2', context: { oauth: { token: { access_token: `at_${r.id}_old`, refresh_token: r.rt0, expires_at: '2020-01-01T00:00:00Z' } } }, ...over });
    await importAccounts(imports, parseImportText(rec({})));
    await tokenFor(r.b, r.store, r.id);
    await importAccounts(imports, parseImportText(rec({ unified_model_override: { contact: { fields: {} } } })));
    await r.store.update(r.id, (a) => ({ ...a, context: { ...a.context, oauth: { token: { ...a.context.oauth!.token, expires_at: new Date(Date.now() - 1000).toISOString() } } } }));
    await tokenFor(r.b, r.store, r.id);
    await record(r, 're-import of an edited record after a rotation, then a refresh');
  });

  it('a scheduler that claimed the refresh is SIGKILLed mid-refresh; another replica picks it up when the lease ends', async () => {
    const r = await run(redis.url);
    const A = await r.spawnA({ freeze: 'sending', leaseMs: 1_000 });
    const queue = createRedisDueQueue(r.kv);
    await queue.add(r.id, Date.now());
    A.send({ type: 'tick', now: Date.now() });
    await A.next('event', (m) => m.name === 'sending');
    A.child.kill('SIGKILL');
    expect((await queue.peek(5)).map((e) => e.id)).toEqual([r.id]); // still queued: leased, not dropped
    const deps = { clock: systemClock, random: cryptoRandom, logger: createMemoryLogger() };
    const b = createTokenManager({ deps, store: r.store, kv: r.kv, resolveRefreshConfig: async () => r.fake.config(), ...TIMING, lockWaitMs: 20_000, onTokenRefreshed: (acct) => scheduler.tokenStored(acct) });
    const scheduler = createRefreshScheduler({ ...deps, queue, store: r.store, leaseMs: 1_000, refresh: (id, within) => b.refreshIfExpiring(id, within) });
    await until(async () => (await scheduler.tick()).length > 0 && (await r.store.get(r.id))?.context.oauth?.token.refresh_token !== r.rt0, 'B refreshing after the lease', 30_000);
    // Rescheduled by the refresh, for the new token's lead window.
    const [next] = await queue.peek(5);
    expect(next?.id).toBe(r.id);
    expect(next!.at).toBeGreaterThan(Date.now() + 3_000_000);
    await record(r, 'scheduler claimer SIGKILLed before its request (lease re-queues it)');
  }, 60_000);
});
