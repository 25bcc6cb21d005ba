/**
 * Where the keyring comes from, in order: the environment (CRM_MCP_ENCRYPTION_KEY /
 * CRM_MCP_ENCRYPTION_KEYS), else the key file, else — only for the embedded store — a key
 * generated into the key file (mode 0600), announced once on stderr. Redis deployments must
 * configure a key: replicas need the same one. Env keys are fixed for the process's life; a
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

export function loadKeyring(
  src: KeySources,
  opts: { allowGenerate: boolean; now: Date; notice: (line: string) => void },
): { keyring: Keyring; source: KeyringSource } {
  const { current, list } = src.envKeys();
  if (current || list) {
    const others = list ? parseKeyList(list) : [];
    const cur = current ? parseKeySpec(current, 'CRM_MCP_ENCRYPTION_KEY') : others[0];
    if (!cur) throw new CrmMcpError('crypto_bad_key', 'CRM_MCP_ENCRYPTION_KEYS holds no key');
    return { keyring: createKeyring(cur, others.filter((o) => o.kid !== cur.kid || !o.key.equals(cur.key))), source: 'env' };
  }
  const existing = readKeyFile(src.keysFile);
  if (existing) return { keyring: followKeyFile(src.keysFile, keyringFromFile(src.keysFile, existing)), source: 'file' };
  if (!opts.allowGenerate) {
    throw new CrmMcpError(
      'config_invalid',
      `no encryption key configured: set CRM_MCP_ENCRYPTION_KEY (the same on every replica; 'crm-mcp keys generate' prints one) or provide ${src.keysFile}`,
    );
  }
  const { created, file } = createKeyFileIfAbsent(src.keysFile, opts.now);
  if (created) {
    opts.notice(
      `crm-mcp: no encryption key configured; generated one into ${src.keysFile} (mode 0600). Back it up: stored credentials cannot be decrypted without it.`,
    );
  }
  return { keyring: followKeyFile(src.keysFile, keyringFromFile(src.keysFile, file)), source: created ? 'generated' : 'file' };
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
