/**
 * Encryption keys: 32-byte AES-256 keys, each with a key id (kid) that the envelope names.
 * The keyring encrypts under `current` and decrypts under any key it holds, which is what
 * makes rotation possible (add a new current key, re-encrypt, then drop the old one).
 * Key material never appears in error messages.
 */
import { createHash, randomBytes } from 'node:crypto';
import { CrmMcpError } from '../core/errors.js';

export const KID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export interface KeyEntry {
  readonly kid: string;
  readonly key: Buffer;
}

export interface Keyring {
  readonly current: KeyEntry;
  /** Every key id, current first. */
  readonly kids: readonly string[];
  get(kid: string): Buffer | undefined;
}

/** Decodes 32 bytes given as base64, base64url or 64 hex characters. */
export function parseKeyMaterial(material: string, label = 'encryption key'): Buffer {
  const s = material.trim();
  let buf: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(s)) buf = Buffer.from(s, 'hex');
  else if (/^[A-Za-z0-9+/]+={0,2}$/.test(s)) buf = Buffer.from(s, 'base64');
  else if (/^[A-Za-z0-9_-]+={0,2}$/.test(s)) buf = Buffer.from(s, 'base64url');
  if (!buf || buf.length !== 32) {
    throw new CrmMcpError('crypto_bad_key', `${label} must be 32 bytes given as base64, base64url or hex (got ${buf ? `${buf.length} bytes` : 'an unreadable value'})`);
  }
  return buf;
}

/** A stable id for a key given without one: 'k' + 8 hex chars of its SHA-256 (not reversible). */
export function deriveKid(key: Buffer): string {
  return 'k' + createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/** Parses `kid:material` or bare `material` (kid derived). */
export function parseKeySpec(spec: string, label = 'encryption key'): KeyEntry {
  const s = spec.trim();
  const colon = s.indexOf(':');
  if (colon > 0) {
    const kid = s.slice(0, colon);
    if (!KID_PATTERN.test(kid)) throw new CrmMcpError('crypto_bad_key', `${label}: key id '${kid}' may contain only letters, digits, _ and - (max 64)`);
    return { kid, key: parseKeyMaterial(s.slice(colon + 1), `${label} '${kid}'`) };
  }
  const key = parseKeyMaterial(s, label);
  return { kid: deriveKid(key), key };
}

/** Parses a comma-separated `kid:material,kid:material` list. */
export function parseKeyList(list: string, label = 'CRM_MCP_ENCRYPTION_KEYS'): KeyEntry[] {
  return list
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((p, i) => parseKeySpec(p, `${label} entry ${i + 1}`));
}

export function createKeyring(current: KeyEntry, others: readonly KeyEntry[] = []): Keyring {
  const map = new Map<string, Buffer>();
  for (const e of [current, ...others]) {
    if (!KID_PATTERN.test(e.kid)) throw new CrmMcpError('crypto_bad_key', `key id '${e.kid}' may contain only letters, digits, _ and - (max 64)`);
    if (e.key.length !== 32) throw new CrmMcpError('crypto_bad_key', `key '${e.kid}' must be 32 bytes`);
    const existing = map.get(e.kid);
    if (existing && !existing.equals(e.key)) throw new CrmMcpError('crypto_bad_key', `key id '${e.kid}' is given twice with different keys`);
    map.set(e.kid, Buffer.from(e.key));
  }
  return {
    current: { kid: current.kid, key: Buffer.from(current.key) },
    kids: [...map.keys()],
    get: (kid) => map.get(kid),
  };
}

export function generateKey(kid?: string): KeyEntry & { material: string } {
  const key = randomBytes(32);
  return { kid: kid ?? deriveKid(key), key, material: key.toString('base64') };
}
