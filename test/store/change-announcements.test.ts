/**
 * The read caches of one process (src/store/read-cache.ts) against writes made through another
 * connection to the same store, in process with the manual clock so that what makes a change
 * visible is known: on the embedded file, the change check (PRAGMA data_version) of the next
 * lookup in a later event-loop turn (a later request), the clock never moving; on Redis, the published message with the clock never moving, and, for a write whose
 * message never came, the generation read by the check, a gap in the generations, or the
 * subscriber's reconnection; for a write that announced nothing, the entry's maximum age.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAccessTokenStore } from '../../src/access-tokens/store.js';
import type { LinkedAccount } from '../../src/accounts/model.js';
import { cryptoRandom } from '../../src/core/deps.js';
import type { KvStore } from '../../src/store/kv.js';
import { createAccountStore } from '../../src/store/kv-account-store.js';
import { createReadCaches } from '../../src/store/read-cache.js';
import { CHANGE_CHANNEL, GENERATION_KEY } from '../../src/store/redis-changes.js';
import { createRedisKv, type RedisKv } from '../../src/store/redis-kv.js';
import { createSqliteKv } from '../../src/store/sqlite-kv.js';
import { manualClock, type ManualClock } from '../helpers/manual-clock.js';
import { plainCodec } from '../helpers/memory-kv.js';
import { redisAvailable, redisSkipReason, startRedis, type RedisHandle } from '../helpers/redis-server.js';
import { oauthAccount } from '../tokens/helpers/setup.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** A writer's stores (no cache) and a reader's (cached), on two connections to one store; one account and one bearer token. */
async function pair(clock: ManualClock, open: () => Promise<KvStore>) {
  const [wkv, rkv] = [await open(), await open()];
  cleanups.push(() => wkv.close(), () => rkv.close());
  const random = cryptoRandom;
  const writer = { accounts: createAccountStore({ kv: wkv, codec: plainCodec, clock }), tokens: createAccessTokenStore({ kv: wkv, clock, random }) };
  const caches = createReadCaches({ changes: rkv.changes!, clock });
  const reader = {
    accounts: createAccountStore({ kv: rkv, codec: plainCodec, clock, cache: caches.create() }),
    tokens: createAccessTokenStore({ kv: rkv, clock, random, cache: caches.create() }),
  };
  const account = await writer.accounts.put(oauthAccount(`acct-${random.uuid()}`, { access: 'at_1', refresh: 'rt_1', expiresAt: clock.now() + 3_600_000 }));
  const { token, info } = await writer.tokens.create({ tenantId: account.tenant_id, accountId: account.id });
  // Warm: both cached.
  expect((await reader.tokens.verify(token)).ok).toBe(true);
  expect((await reader.accounts.get(account.id))?.status).toBe('active');
  return { wkv, rkv, writer, reader, account, token, tokenId: info.id };
}

const status = async (r: { accounts: { get(id: string): Promise<LinkedAccount | undefined> } }, id: string) => (await r.accounts.get(id))?.status;

describe('read caches on the embedded store, another connection writing', () => {
  const open = (clock: ManualClock, path: string) => () => createSqliteKv({ path, clock });

  it('a revocation and a status change committed by another connection are served by the next lookup in a later turn, the clock never moving (data_version)', async () => {
    const clock = manualClock();
    const path = join(mkdtempSync(join(tmpdir(), 'crm-changes-')), 'store.sqlite');
    const { writer, reader, account, token, tokenId } = await pair(clock, open(clock, path));
    await writer.tokens.revoke(tokenId);
    await writer.accounts.update(account.id, (a) => ({ ...a, status: 'needs_reauth' }));
    await new Promise((r) => setImmediate(r));
    expect(await reader.tokens.verify(token)).toEqual({ ok: false, reason: 'revoked' });
    expect(await status(reader, account.id)).toBe('needs_reauth');
  });
});

describe.skipIf(!redisAvailable)(`read caches on Redis, another connection writing${redisAvailable ? '' : ` (${redisSkipReason})`}`, () => {
  let redis: RedisHandle;
  let admin: RedisKv;
  beforeAll(async () => {
    redis = await startRedis();
    admin = await createRedisKv({ url: redis.url });
  });
  afterAll(async () => {
    await admin?.close();
    await redis?.stop();
  });
  const open = (prefix: string) => () => createRedisKv({ url: redis.url, prefix });

  it('a revocation and a status change are served as soon as their message arrives, the clock never moving', async () => {
    const clock = manualClock();
    const { writer, reader, account, token, tokenId } = await pair(clock, open('msg:'));
    await writer.tokens.revoke(tokenId);
    await writer.accounts.update(account.id, (a) => ({ ...a, status: 'needs_reauth' }));
    await expect.poll(() => reader.tokens.verify(token), { timeout: 5_000 }).toEqual({ ok: false, reason: 'revoked' });
    await expect.poll(() => status(reader, account.id), { timeout: 5_000 }).toBe('needs_reauth');
  });

  /** Writes the account as a writer whose message was lost: the value and the generation, no message. */
  const silentWrite = async (prefix: string, account: LinkedAccount, bump: number) => {
    await admin.client.set(`${prefix}acct:${account.id}`, plainCodec.encode({ ...account, status: 'needs_reauth' }));
    for (let i = 0; i < bump; i++) await admin.client.incr(`${prefix}${GENERATION_KEY}`);
  };

  it('a write whose message was lost is served once the check is due (it reads a generation no message announced)', async () => {
    const clock = manualClock();
    const { reader, account } = await pair(clock, open('lost:'));
    await silentWrite('lost:', account, 1);
    await clock.advance(250);
    expect(await status(reader, account.id)).toBe('needs_reauth');
  });

  it('a gap in the generations drops every entry at once, the clock never moving', async () => {
    const clock = manualClock();
    const { reader, account, wkv } = await pair(clock, open('gap:'));
    await silentWrite('gap:', account, 1);
    // The next announced write (another key) carries a generation one past the next expected.
    await wkv.set('unrelated', 'x');
    await expect.poll(() => status(reader, account.id), { timeout: 5_000 }).toBe('needs_reauth');
  });

  it('a write that announces nothing at all (no message, no generation: an older writer, a hand edit) is served once the entry is 30 s old', async () => {
    const clock = manualClock();
    const { reader, account } = await pair(clock, open('silent:'));
    await silentWrite('silent:', account, 0);
    await clock.advance(30_000);
    expect(await status(reader, account.id)).toBe('needs_reauth');
  });

  it('a subscriber that reconnected (it may have missed messages) drops every entry, the clock never moving', async () => {
    const clock = manualClock();
    const { reader, account } = await pair(clock, open('reconnect:'));
    await silentWrite('reconnect:', account, 0);
    const before = Number(await admin.client.sendCommand(['PUBSUB', 'NUMSUB', `reconnect:${CHANGE_CHANNEL}`]).then((r) => (r as unknown as unknown[])[1]));
    expect(before).toBe(1);
    await admin.client.sendCommand(['CLIENT', 'KILL', 'TYPE', 'pubsub']);
    await expect.poll(() => status(reader, account.id), { timeout: 10_000 }).toBe('needs_reauth');
  });

  // Last: it restarts the server the other tests share.
  it('while Redis is unreachable nothing cached is served past the check: the lookup fails as store_unavailable, never answers from memory', async () => {
    const clock = manualClock();
    const { reader, account, token } = await pair(clock, open('down:'));
    await redis.restart(async () => {
      await clock.advance(250);
      await expect(reader.tokens.verify(token)).rejects.toMatchObject({ code: 'store_unavailable' });
      await expect(reader.accounts.get(account.id)).rejects.toMatchObject({ code: 'store_unavailable' });
    });
  });
});
