/**
 * Composition of the storage layer for the CLI, MCP server and demo: the configured KvStore
 * (embedded SQLite or Redis), the keyring, the encrypting codec and the AccountStore on top.
 */
import type { Clock } from '../core/deps.js';
import { systemClock } from '../core/deps.js';
import { createEncryptingCodec, type EncryptingCodec } from '../crypto/encrypting-codec.js';
import type { Keyring } from '../crypto/keyring.js';
import { loadKeyring, type KeyringSource } from '../crypto/load-keyring.js';
import type { AccountStore } from '../store/account-store.js';
import { createAccountStore } from '../store/kv-account-store.js';
import type { KvStore } from '../store/kv.js';
import { createRedisKv, type RedisClient } from '../store/redis-kv.js';
import { createSqliteKv } from '../store/sqlite-kv.js';
import type { AppConfig } from './config.js';

export interface OpenStoreDeps {
  clock?: Clock;
  /** Where the one-time "generated a key" notice goes (stderr in the CLI). */
  notice?: (line: string) => void;
  /** Context fields each integration's definition marks secret (encrypted and masked). */
  secretContextFields?: (integration: string) => readonly string[];
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

export async function openStore(config: AppConfig, deps: OpenStoreDeps = {}): Promise<OpenedStore> {
  const clock = deps.clock ?? systemClock;
  // Keys first: a missing or bad key fails before any connection is opened.
  const { keyring, source } = loadKeyring(config, {
    allowGenerate: config.store.kind === 'sqlite',
    now: new Date(clock.now()),
    notice: deps.notice ?? ((line) => process.stderr.write(line + '\n')),
  });
  let kv: KvStore;
  let redis: RedisClient | undefined;
  if (config.store.kind === 'redis') {
    const r = await createRedisKv({ url: config.store.url, prefix: config.store.prefix });
    kv = r;
    redis = r.client;
  } else {
    kv = await createSqliteKv({ path: config.store.path, clock });
  }
  const codec = createEncryptingCodec({ keyring, ...(deps.secretContextFields ? { secretContextFields: deps.secretContextFields } : {}) });
  const accounts = createAccountStore({ kv, codec, clock });
  return { kv, accounts, keyring, keyringSource: source, codec, redis, close: () => kv.close() };
}
