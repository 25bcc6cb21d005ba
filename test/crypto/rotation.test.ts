/**
 * Key rotation through the real composition (config → openStore → rotate, and the CLI
 * command in-process): written under key 1, rotated to key 2, all readable; key 1 removed,
 * still all readable; a concurrent writer during rotation is never overwritten; sealed OAuth
 * client secrets are re-sealed under key 2 and their purpose.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.js';
import { openStore } from '../../src/app/open-store.js';
import { keys as keysCommand } from '../cli/helpers/cli.js';
import type { CliIo } from '../../src/cli/io.js';
import { createAuditTrail } from '../../src/audit/log.js';
import { cryptoRandom, systemClock } from '../../src/core/deps.js';
import { createEncryptingCodec } from '../../src/crypto/encrypting-codec.js';
import { decryptValue, encryptValue } from '../../src/crypto/envelope.js';
import { createKeyring, generateKey } from '../../src/crypto/keyring.js';
import { rotate } from '../../src/crypto/rotate.js';
import { createSealer } from '../../src/crypto/sealer.js';
import { createOAuthClientStore } from '../../src/oauth-clients/store.js';
import { createAccountStore } from '../../src/store/kv-account-store.js';
import type { KvStore } from '../../src/store/kv.js';
import { createMemoryKv } from '../helpers/memory-kv.js';
import { createRedisKv } from '../../src/store/redis-kv.js';
import { createSqliteKv } from '../../src/store/sqlite-kv.js';
import { makeAccount } from '../helpers/accounts.js';
import { redisAvailable, redisSkipReason, startRedis, type RedisHandle } from '../helpers/redis-server.js';

const k1 = generateKey('key1');
const k2 = generateKey('key2');
const spec = (k: { kid: string; material: string }) => `${k.kid}:${k.material}`;

function memIo(env: NodeJS.ProcessEnv): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, env, stdoutIsTty: false, stdout: (s) => void out.push(s), stderr: (s) => void err.push(s) };
}

async function rotationScenario(openKv: () => Promise<KvStore>) {
  const kv = await openKv();
  try {
    const ring1 = createKeyring(k1);
    const s1 = createAccountStore({ kv, codec: createEncryptingCodec({ keyring: ring1 }), clock: systemClock });
    const written = await Promise.all(Array.from({ length: 20 }, (_, i) => s1.put(makeAccount(`r${i}`))));
    const raw0 = (await kv.get('acct:r0'))!;
    expect(raw0).toContain('"v1.key1.');

    const ring12 = createKeyring(k2, [k1]);
    const codec12 = createEncryptingCodec({ keyring: ring12 });
    const s12 = createAccountStore({ kv, codec: codec12, clock: systemClock });
    const result = await rotate({ kv, accounts: s12, codec: codec12, keyring: ring12 });
    expect(result).toMatchObject({ kid: 'key2', total: 20, rotated: 20, unchanged: 0, failed: [] });
    expect(await rotate({ kv, accounts: s12, codec: codec12, keyring: ring12 })).toMatchObject({ rotated: 0, unchanged: 20 });

    const ring2 = createKeyring(k2);
    const s2 = createAccountStore({ kv, codec: createEncryptingCodec({ keyring: ring2 }), clock: systemClock });
    for (const w of written) {
      const got = await s2.get(w.id);
      expect(got?.context).toEqual(w.context);
    }
    expect((await kv.get('acct:r0'))!).not.toContain('key1');
    // Without key 2 nothing reads: typed error naming the account.
    await expect(s1.get('r0')).rejects.toMatchObject({ code: 'crypto_unknown_key', message: expect.stringContaining("'r0'") });
  } finally {
    await kv.close();
  }
}

describe('key rotation', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'crm-mcp-rot-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('memory: key 1 → key 2 → key 1 removed, all readable', () => rotationScenario(async () => createMemoryKv()));
  it('sqlite: key 1 → key 2 → key 1 removed, all readable', () => rotationScenario(() => createSqliteKv({ path: join(dir, 's.sqlite') })));

  it('a refresh landing during rotation is kept (rotation rewrites through update)', async () => {
    const kv = createMemoryKv();
    const s1 = createAccountStore({ kv, codec: createEncryptingCodec({ keyring: createKeyring(k1) }), clock: systemClock });
    await s1.put(makeAccount('live'));
    const ring12 = createKeyring(k2, [k1]);
    const codec12 = createEncryptingCodec({ keyring: ring12 });
    const s12 = createAccountStore({ kv, codec: codec12, clock: systemClock });
    let injected = false;
    const racing: KvStore = {
      ...kv,
      scan: (p) => kv.scan(p),
      async compareAndSet(k, e, n) {
        if (!injected) {
          injected = true;
          // The server's token manager (still on key 1) stores a rotated refresh token mid-rotation.
          await s1.update('live', (a) => ({ ...a, context: { ...a.context, oauth: { token: { access_token: 'NEW-AT-123456789', refresh_token: 'NEW-RT-123456789' } } } }));
        }
        return kv.compareAndSet(k, e, n);
      },
    };
    const r = await rotate({ kv: racing, accounts: createAccountStore({ kv: racing, codec: codec12, clock: systemClock }), codec: codec12, keyring: ring12 });
    expect(r.rotated).toBe(1);
    const got = await s12.get('live');
    expect(got?.context.oauth?.token.refresh_token).toBe('NEW-RT-123456789');
    expect((await kv.get('acct:live'))!).not.toContain('v1.key1.');
  });

  it('corrupt and undecryptable entries are reported by id and skipped; the rest rotate', async () => {
    const kv = createMemoryKv();
    const s1 = createAccountStore({ kv, codec: createEncryptingCodec({ keyring: createKeyring(k1) }), clock: systemClock });
    await s1.put(makeAccount('ok1'));
    await s1.put(makeAccount('ok2'));
    await kv.set('acct:junk', 'garbage');
    const stranger = createAccountStore({ kv, codec: createEncryptingCodec({ keyring: createKeyring(generateKey('other')) }), clock: systemClock });
    await stranger.put(makeAccount('foreign'));
    const ring = createKeyring(k2, [k1]);
    const codec = createEncryptingCodec({ keyring: ring });
    const r = await rotate({ kv, accounts: createAccountStore({ kv, codec, clock: systemClock }), codec, keyring: ring });
    expect(r.rotated).toBe(2);
    expect(r.failed.map((f) => [f.id, f.code])).toEqual([
      ['foreign', 'crypto_unknown_key'],
      ['junk', 'account_corrupt'],
    ]);
    expect(await kv.get('acct:junk')).toBe('garbage');
  });

  describe.skipIf(!redisAvailable)(`redis${redisAvailable ? '' : ` (skipped: ${redisSkipReason})`}`, () => {
    let redis: RedisHandle;
    beforeAll(async () => {
      redis = await startRedis();
    });
    afterAll(async () => {
      await redis.stop();
    });
    it('redis: key 1 → key 2 → key 1 removed, all readable', () => rotationScenario(() => createRedisKv({ url: redis.url, prefix: 'rot:' })));
  });

  it('CLI with env keys: keys rotate re-encrypts, then the store opens with key 2 alone', async () => {
    const store = join(dir, 'cli.sqlite');
    const env1 = { CRM_MCP_DATA_DIR: dir, CRM_MCP_STORE: store, CRM_MCP_ENCRYPTION_KEY: spec(k1) };
    const o1 = await openStore(loadConfig({ env: env1 }), { notice: () => {}, create: true });
    for (let i = 0; i < 5; i++) await o1.accounts.put(makeAccount(`c${i}`));
    await o1.close();

    const io = memIo({ CRM_MCP_DATA_DIR: dir, CRM_MCP_STORE: store, CRM_MCP_ENCRYPTION_KEY: spec(k2), CRM_MCP_ENCRYPTION_KEYS: spec(k1) });
    expect(await keysCommand(['rotate', '--json'], io)).toBe(0);
    expect(JSON.parse(io.out.join(''))).toMatchObject({ ok: true, kid: 'key2', total: 5, rotated: 5, failed: [] });
    expect(io.out.join('') + io.err.join('')).not.toContain(k1.material);

    const o2 = await openStore(loadConfig({ env: { CRM_MCP_STORE: store, CRM_MCP_ENCRYPTION_KEY: spec(k2) } }), { notice: () => {} });
    expect((await o2.accounts.get('c3'))?.context.oauth?.token.access_token).toBe('at-c3-SECRETACCESS');
    // The run is in the audit trail: who, what, counts; no key material or secret.
    const entries = await createAuditTrail({ kv: o2.kv, clock: systemClock, random: cryptoRandom }).query({ operation: 'key_rotation' });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actor: 'cli', outcome: 'success', details: { kid: 'key2', total: 5, rotated: 5, failed: [] } });
    const text = JSON.stringify(entries);
    for (const s of [k1.material, k2.material, 'SECRETACCESS', 'SECRETREFRESH']) expect(text).not.toContain(s);
    await o2.close();
  });

  it('keys rotate re-seals OAuth client secrets (legacy AAD or old key) under the current key and their purpose; one that does not open is reported', async () => {
    const store = join(dir, 'sealed.sqlite');
    const o1 = await openStore(loadConfig({ env: { CRM_MCP_DATA_DIR: dir, CRM_MCP_STORE: store, CRM_MCP_ENCRYPTION_KEY: spec(k1) } }), { notice: () => {}, create: true });
    await o1.accounts.put(makeAccount('s1'));
    const clients1 = createOAuthClientStore({ kv: o1.kv, sealer: createSealer(o1.keyring) });
    await clients1.set('salesforce', { client_id: 'sf-id', client_secret: 'sf-secret-KNOWN' });
    await clients1.set('pipedrive', { client_id: 'pd-id' });
    await o1.kv.set('oauth-client:hubspot:*', JSON.stringify({ client_id: 'hs-id', client_secret_sealed: encryptValue(o1.keyring, 'hs-legacy-KNOWN', 'crm-mcp:sealed-secret') }));
    await o1.kv.set('oauth-client:zoho:*', JSON.stringify({ client_id: 'z-id', client_secret_sealed: encryptValue(createKeyring(generateKey('lost')), 'z', 'seal:oauth-client-secret') }));
    await o1.close();

    const env12 = { CRM_MCP_DATA_DIR: dir, CRM_MCP_STORE: store, CRM_MCP_ENCRYPTION_KEY: spec(k2), CRM_MCP_ENCRYPTION_KEYS: spec(k1) };
    const io = memIo(env12);
    expect(await keysCommand(['rotate', '--json'], io)).toBe(1);
    const out = JSON.parse(io.out.join(''));
    expect(out).toMatchObject({ ok: false, kid: 'key2', rotated: 1, failed: [], sealed: { total: 3, resealed: 2, unchanged: 0, failed: [{ key: 'oauth-client:zoho:*', code: 'crypto_unknown_key' }] } });
    expect(io.out.join('') + io.err.join('')).not.toMatch(/KNOWN/);

    const o2 = await openStore(loadConfig({ env: { CRM_MCP_STORE: store, CRM_MCP_ENCRYPTION_KEY: spec(k2) } }), { notice: () => {} });
    try {
      for (const k of ['oauth-client:hubspot:*', 'oauth-client:salesforce:*']) {
        const sealed = JSON.parse((await o2.kv.get(k))!).client_secret_sealed as string;
        expect(sealed).toMatch(/^v1\.key2\./);
        expect(() => decryptValue(o2.keyring, sealed, 'crm-mcp:sealed-secret')).toThrow(expect.objectContaining({ code: 'crypto_tampered' }));
      }
      const clients2 = createOAuthClientStore({ kv: o2.kv, sealer: createSealer(o2.keyring) });
      expect(await clients2.get('hubspot')).toMatchObject({ client_secret: 'hs-legacy-KNOWN' });
      expect(await clients2.get('salesforce')).toMatchObject({ client_secret: 'sf-secret-KNOWN' });
      const [entry] = await createAuditTrail({ kv: o2.kv, clock: systemClock, random: cryptoRandom }).query({ operation: 'key_rotation' });
      expect(entry).toMatchObject({ outcome: 'failure', details: { sealed: { total: 3, resealed: 2, failed: [{ key: 'oauth-client:zoho:*', code: 'crypto_unknown_key' }] } } });
    } finally {
      await o2.close();
    }

    const again = memIo(env12);
    await keysCommand(['rotate'], again);
    expect(again.out.join('')).toContain('re-sealed 0, already current 2, failed 1 of 3 sealed secrets');
    expect(again.err.join('')).toContain("sealed secret 'oauth-client:zoho:*' skipped: crypto_unknown_key");
  });

  it('CLI with the key file: rotate --new-key, then remove the old key; refused while in use', async () => {
    const env = { CRM_MCP_DATA_DIR: dir };
    const notices: string[] = [];
    const o1 = await openStore(loadConfig({ env }), { notice: (l) => notices.push(l), create: true });
    expect(notices).toHaveLength(1);
    const oldKid = o1.keyring.current.kid;
    await o1.accounts.put(makeAccount('f1'));
    await o1.close();

    const io0 = memIo(env);
    expect(await keysCommand(['remove', oldKid], io0)).toBe(2);
    expect(io0.err.join('')).toContain('still used by 1 account');

    const io = memIo(env);
    expect(await keysCommand(['rotate', '--new-key'], io)).toBe(0);
    expect(io.out.join('')).toMatch(/rotated 1, already current 0, failed 0 of 1 accounts/);
    const io2 = memIo(env);
    expect(await keysCommand(['remove', oldKid], io2)).toBe(0);

    const o2 = await openStore(loadConfig({ env }), { notice: (l) => notices.push(l) });
    expect(o2.keyring.kids).not.toContain(oldKid);
    expect((await o2.accounts.get('f1'))?.context.oauth?.token.refresh_token).toBe('rt-f1-SECRETREFRESH');
    await o2.close();
    expect(notices).toHaveLength(1);
  });

  it('a running server on the key file keeps reading and writing across keys rotate --new-key and keys remove (no restart)', async () => {
    const env = { CRM_MCP_DATA_DIR: dir };
    const server = await openStore(loadConfig({ env }), { notice: () => {}, create: true });
    try {
      const oldKid = server.keyring.current.kid;
      for (let i = 0; i < 3; i++) await server.accounts.put(makeAccount(`live${i}`));
      expect(await keysCommand(['rotate', '--new-key', '--json'], memIo(env))).toBe(0);
      const raw = (await server.kv.get('acct:live0'))!;
      const newKid = JSON.parse(raw).context.oauth.token.access_token.split('.')[1] as string;
      expect(newKid).not.toBe(oldKid);
      // The server reads what the CLI re-encrypted, and from then on writes under the new key.
      expect((await server.accounts.get('live0'))?.context.oauth?.token.refresh_token).toBe('rt-live0-SECRETREFRESH');
      expect(server.keyring.current.kid).toBe(newKid);
      await server.accounts.update('live1', (a) => ({ ...a, context: { ...a.context, oauth: { token: { access_token: 'AT-after-rotation-1', refresh_token: 'RT-after-rotation-1' } } } }));
      expect((await server.kv.get('acct:live1'))!).toContain(`"v1.${newKid}.`);
      expect((await server.kv.get('acct:live1'))!).not.toContain(`"v1.${oldKid}.`);
      expect(await keysCommand(['remove', oldKid], memIo(env))).toBe(0);
      for (let i = 0; i < 3; i++) expect((await server.accounts.get(`live${i}`))?.context.oauth?.token.access_token).toMatch(/^at-live|^AT-after/);
    } finally {
      await server.close();
    }
  });

  it('CLI usage: generate prints a usable key; bad flags exit 2', async () => {
    const io = memIo({});
    expect(await keysCommand(['generate', '--kid', 'prod-2026'], io)).toBe(0);
    const line = io.out.join('').trim();
    expect(line).toMatch(/^prod-2026:[A-Za-z0-9+/]{43}=$/);
    expect(await keysCommand(['generate', '--kid', 'bad kid'], memIo({}))).toBe(2);
    expect(await keysCommand(['rotate', '--bogus'], memIo({}))).toBe(2);
    expect(await keysCommand(['rotate', '--new-key'], memIo({ CRM_MCP_DATA_DIR: dir, CRM_MCP_ENCRYPTION_KEY: line }))).toBe(2);
  });
});
