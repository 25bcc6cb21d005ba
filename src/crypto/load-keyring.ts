/**
 * Where the keyring comes from, in order: the environment (CRM_MCP_ENCRYPTION_KEY /
 * CRM_MCP_ENCRYPTION_KEYS), else the key file. A key is generated into the key file (mode 0600,
 * announced once on stderr) only when the caller asks — `crm-mcp init` and the commands that
 * create accounts, on an embedded store that holds nothing sealed (src/app/open-store.ts decides);
 * never by a read, never beside data sealed under a key that went missing, never for Redis
 * (replicas must share one configured key). Env keys are fixed for the process's life; a
 * key-file keyring follows the file (see `followKeyFile`).
 */
import { CrmMcpError } from '../core/errors.js';
import { createKeyFileIfAbsent, keyringFromFile, readKeyFile } from './key-file.js';
import { createKeyring, parseKeyList, parseKeySpec, type Keyring } from './keyring.js';

export interface KeySources {
  envKeys: () => { current?: string | undefined; list?: string | undefined };
  keysFile: string;
}

export type KeyringSource = 'env' | 'file' | 'generated';

/** The configured keyring, or undefined when neither the environment nor the key file holds a key. */
export function findKeyring(src: KeySources): { keyring: Keyring; source: 'env' | 'file' } | undefined {
  const { current, list } = src.envKeys();
  if (current || list) {
    const others = list ? parseKeyList(list) : [];
    const cur = current ? parseKeySpec(current, 'CRM_MCP_ENCRYPTION_KEY') : others[0];
    if (!cur) throw new CrmMcpError('crypto_bad_key', 'CRM_MCP_ENCRYPTION_KEYS holds no key');
    return { keyring: createKeyring(cur, others.filter((o) => o.kid !== cur.kid || !o.key.equals(cur.key))), source: 'env' };
  }
  const existing = readKeyFile(src.keysFile);
  return existing ? { keyring: followKeyFile(src.keysFile, keyringFromFile(src.keysFile, existing)), source: 'file' } : undefined;
}

/** Creates the key file with one fresh key (exclusive create: a concurrent creator's key wins). */
export function generateKeyring(src: KeySources, opts: { now: Date; notice: (line: string) => void }): { keyring: Keyring; source: KeyringSource } {
  const { created, file } = createKeyFileIfAbsent(src.keysFile, opts.now);
  if (created) {
    opts.notice(`crm-mcp: generated an encryption key into ${src.keysFile} (mode 0600). Back it up: stored credentials cannot be decrypted without it.`);
  }
  return { keyring: followKeyFile(src.keysFile, keyringFromFile(src.keysFile, file)), source: created ? 'generated' : 'file' };
}

const LOOKED_FOR = (keysFile: string) => `looked for CRM_MCP_ENCRYPTION_KEY, CRM_MCP_ENCRYPTION_KEYS and the key file ${keysFile}`;

/** Opening a store that holds sealed data without any key: restore the key, never replace it. */
export function keyMissingForSealedData(src: KeySources, store: string): CrmMcpError {
  return new CrmMcpError(
    'crypto_unknown_key',
    `the store ${store} holds encrypted credentials but no encryption key was found (${LOOKED_FOR(src.keysFile)}); restore the key file or set the variables — a new key could not decrypt them`,
  );
}

/** No key, and this command may not create one. */
export function keyNotConfigured(src: KeySources, o: { shared: boolean }): CrmMcpError {
  const how = o.shared
    ? `set CRM_MCP_ENCRYPTION_KEY (the same on every replica; 'crm-mcp keys generate' prints one)`
    : `set CRM_MCP_ENCRYPTION_KEY, provide ${src.keysFile}, or run 'crm-mcp init' to create one`;
  return new CrmMcpError('crypto_unknown_key', `no encryption key configured (${LOOKED_FOR(src.keysFile)}): ${how}`);
}

/**
 * A key-file keyring that re-reads the file when asked for a key it does not hold: after
 * `crm-mcp keys rotate --new-key` in another process, a running server decrypts the re-encrypted
 * accounts and encrypts under the new current key from then on, without a restart. If the file
 * cannot be read, the keys already loaded stay and the caller reports the unknown key id.
 */
export function followKeyFile(path: string, initial: Keyring): Keyring {
  let ring = initial;
  return {
    get current() {
      return ring.current;
    },
    get kids() {
      return ring.kids;
    },
    get(kid) {
      const hit = ring.get(kid);
      if (hit) return hit;
      try {
        const file = readKeyFile(path);
        if (file) ring = keyringFromFile(path, file);
      } catch {
        return undefined;
      }
      return ring.get(kid);
    },
  };
}
