/**
 * Composition of the storage layer for the CLI, MCP server and demo: the configured KvStore
 * (embedded SQLite or Redis), the keyring, the encrypting codec and the AccountStore on top.
 *
 * Nothing is created by accident. Only an opener that may create (`create: true`: `crm-mcp init`
 * and the commands that write accounts) makes a missing embedded store, or — for an embedded store
 * that holds nothing sealed — a key file. Every other opener fails on a missing store file
 * ("no store at …") and on a missing key. A store that holds sealed data (accounts, OAuth
 * clients, pending consents) is never given a new key: that would strand what it holds.
 */
import { existsSync } from 'node:fs';
import type { Clock } from '../core/deps.js';
import { systemClock } from '../core/deps.js';
import { CrmMcpError } from '../core/errors.js';
import { createEncryptingCodec, type EncryptingCodec } from '../crypto/encrypting-codec.js';
import type { Keyring } from '../crypto/keyring.js';
import { findKeyring, generateKeyring, keyMissingForSealedData, keyNotConfigured, type KeyringSource } from '../crypto/load-keyring.js';
import type { AccountStore } from '../store/account-store.js';
import { createAccountStore } from '../store/kv-account-store.js';
import type { KvStore } from '../store/kv.js';
import type { RedisClient } from '../store/redis-kv.js';
import type { AppConfig } from './config.js';

export interface OpenStoreDeps {
  clock?: Clock;
  /** Where the one-time "generated a key" notice goes (stderr in the CLI). */
  notice?: (line: string) => void;
  /** Context fields each integration's definition marks secret (encrypted and masked). */
  secretContextFields?: (integration: string) => readonly string[];
  /** May create a missing embedded store and, beside no sealed data, a key file (init, account writes). */
  create?: boolean;
}

export interface OpenedStore {
  kv: KvStore;
  accounts: AccountStore;
  keyring: Keyring;
  keyringSource: KeyringSource;
  codec: EncryptingCodec;
  /** The raw Redis connection when the store is Redis (sorted sets, locks); else undefined. */
  redis: RedisClient | undefined;
  close(): Promise<void>;
}

/** Key prefixes whose values hold envelopes (src/store/STORAGE.md, src/connect/STORAGE.md). */
const SEALED_PREFIXES = ['acct:', 'oauth-client:', 'oauth-state:'];

async function holdsSealedData(kv: KvStore): Promise<boolean> {
  for (const prefix of SEALED_PREFIXES) {
    for await (const _entry of kv.scan(prefix)) return true;
  }
  return false;
}

export async function openStore(config: AppConfig, deps: OpenStoreDeps = {}): Promise<OpenedStore> {
  const clock = deps.clock ?? systemClock;
  const create = deps.create === true;
  const configured = findKeyring(config);
  // Redis needs its key before any connection: replicas must share one, so none is generated.
  if (!configured && config.store.kind === 'redis') throw keyNotConfigured(config, { shared: true });

  let kv: KvStore;
  let redis: RedisClient | undefined;
  // Each backend's client loads only when it is the one configured (@redis/client alone costs
  // ~100 ms of startup that an embedded-store `stdio` would pay for nothing).
  if (config.store.kind === 'redis') {
    const { createRedisKv } = await import('../store/redis-kv.js');
    const r = await createRedisKv({ url: config.store.url, prefix: config.store.prefix });
    kv = r;
    redis = r.client;
  } else {
    const path = config.store.path;
    if (!existsSync(path)) {
      if (!create) {
        throw new CrmMcpError('store_unavailable', `no store at ${path}: create it with 'crm-mcp init' (or 'accounts create', 'accounts import', 'connect'), or point --store / --data-dir at an existing one`);
      }
    }
    const { createSqliteKv } = await import('../store/sqlite-kv.js');
    kv = await createSqliteKv({ path, clock });
  }

  let keyring: Keyring;
  let source: KeyringSource;
  try {
    if (configured) {
      ({ keyring, source } = configured);
    } else {
      const where = config.store.kind === 'sqlite' ? config.store.path : 'Redis';
      if (await holdsSealedData(kv)) throw keyMissingForSealedData(config, where);
      if (!create) throw keyNotConfigured(config, { shared: false });
      ({ keyring, source } = generateKeyring(config, { now: new Date(clock.now()), notice: deps.notice ?? ((line) => process.stderr.write(line + '\n')) }));
    }
  } catch (err) {
    await kv.close().catch(() => {});
    throw err;
  }
  const codec = createEncryptingCodec({ keyring, ...(deps.secretContextFields ? { secretContextFields: deps.secretContextFields } : {}) });
  const accounts = createAccountStore({ kv, codec, clock });
  return { kv, accounts, keyring, keyringSource: source, codec, redis, close: () => kv.close() };
}
