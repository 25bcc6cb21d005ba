/**
 * Nothing secret reaches a backend in plaintext: 100 accounts with known token strings are
 * written through the production composition, then the raw SQLite files (incl. WAL) and every
 * Redis value are searched for those strings.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/deps.js';
import { createEncryptingCodec } from '../../src/crypto/encrypting-codec.js';
import { createKeyring, generateKey } from '../../src/crypto/keyring.js';
import type { LinkedAccount } from '../../src/accounts/model.js';
import { createAccountStore } from '../../src/store/kv-account-store.js';
import type { KvStore } from '../../src/store/kv.js';
import { createRedisKv } from '../../src/store/redis-kv.js';
import { createSqliteKv } from '../../src/store/sqlite-kv.js';
import { makeAccount } from '../helpers/accounts.js';
import { redisAvailable, redisSkipReason, startRedis, type RedisHandle } from '../helpers/redis-server.js';

const keyring = createKeyring(generateKey('k1'));
const secretFields = (integration: string) => (integration === 'tinycrm' ? ['signing_secret'] : []);
const codec = createEncryptingCodec({ keyring, secretContextFields: secretFields });

function hundred(): { accounts: LinkedAccount[]; secrets: string[] } {
  const accounts: LinkedAccount[] = [];
  const secrets: string[] = [];
  for (let i = 0; i < 100; i++) {
    const id = `acc-${i}`;
    const at = `KNOWNACCESS${i}x${'a'.repeat(20)}`;
    const rt = `KNOWNREFRESH${i}x${'r'.repeat(20)}`;
    if (i % 10 === 0) {
      const key = `KNOWNAPIKEY${i}x${'k'.repeat(20)}`;
      const sig = `KNOWNSIGNING${i}x${'s'.repeat(20)}`;
      accounts.push(makeAccount(id, { integration: 'tinycrm', authentication_method: 'api_key', context: { api_key: key, signing_secret: sig, region: 'eu' } }));
      secrets.push(key, sig);
    } else {
      accounts.push(makeAccount(id, { context: { oauth: { token: { access_token: at, refresh_token: rt } }, instance_url: 'https://x.my.salesforce.com' } }));
      secrets.push(at, rt);
    }
  }
  return { accounts, secrets };
}

async function writeAndReadBack(kv: KvStore) {
  const store = createAccountStore({ kv, codec, clock: systemClock });
  const { accounts, secrets } = hundred();
  const saved = await Promise.all(accounts.map((a) => store.put(a)));
  for (const s of saved) expect(await store.get(s.id)).toEqual(s);
  // Plain JSON parts stay readable; only the secrets are envelopes.
  const raw = (await kv.get('acct:acc-1'))!;
  expect(JSON.parse(raw).context.instance_url).toBe('https://x.my.salesforce.com');
  expect(JSON.parse(raw).context.oauth.token.access_token).toMatch(/^v1\.k1\./);
  expect(JSON.parse((await kv.get('acct:acc-0'))!).context.region).toBe('eu');
  return { secrets, saved };
}

const findLeaks = (haystack: Buffer, secrets: string[]) => secrets.filter((s) => haystack.includes(Buffer.from(s)));

describe('no plaintext secrets at rest', () => {
  it('embedded SQLite: the raw files (database and WAL) hold none of the 100 accounts\' secrets', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crm-mcp-atrest-'));
    try {
      const kv = await createSqliteKv({ path: join(dir, 'store.sqlite') });
      const { secrets } = await writeAndReadBack(kv);
      const scanAll = () => Buffer.concat(readdirSync(dir).map((f) => readFileSync(join(dir, f))));
      expect(scanAll().length).toBeGreaterThan(0);
      expect(findLeaks(scanAll(), secrets)).toEqual([]);
      await kv.close();
      const bytes = scanAll();
      // Sanity: the file does hold the accounts (ids are plaintext) — the search would find a string.
      expect(bytes.includes(Buffer.from('acc-57'))).toBe(true);
      expect(findLeaks(bytes, secrets)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe.skipIf(!redisAvailable)(`Redis${redisAvailable ? '' : ` (skipped: ${redisSkipReason})`}`, () => {
    let redis: RedisHandle;
    beforeAll(async () => {
      redis = await startRedis();
    });
    afterAll(async () => {
      await redis.stop();
    });

    it('every Redis value (raw client SCAN + GET) holds none of the secrets', async () => {
      const kv = await createRedisKv({ url: redis.url });
      const { secrets } = await writeAndReadBack(kv);
      const values: string[] = [];
      for await (const batch of kv.client.scanIterator({ MATCH: '*', COUNT: 100 })) {
        for (const key of batch) {
          const v = await kv.client.get(key);
          if (v !== null) values.push(key, v);
        }
      }
      // 100 accounts and the change generation (src/store/STORAGE.md), each as key and value.
      expect(values.length).toBe(202);
      const blob = Buffer.from(values.join('\n'));
      expect(blob.includes(Buffer.from('acc-57'))).toBe(true);
      expect(findLeaks(blob, secrets)).toEqual([]);
      await kv.close();
    });
  });
});
