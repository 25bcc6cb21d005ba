/**
 * AES-256-GCM envelope: `v1.<kid>.<iv>.<tag>.<ct>` (base64url parts, random 96-bit IV,
 * 128-bit tag). The AAD binds a ciphertext to where it belongs (account id + field path,
 * or e.g. an OAuth client's id), so an envelope copied elsewhere fails to decrypt.
 * Decryption failures are typed ('crypto_unknown_key', 'crypto_tampered') and never carry
 * plaintext or key material.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { CrmMcpError } from '../core/errors.js';
import { KID_PATTERN, type Keyring } from './keyring.js';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const B64URL = /^[A-Za-z0-9_-]*$/;

export function isEnvelope(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(`${VERSION}.`) && value.split('.').length === 5;
}

/** The key id an envelope names, or undefined when `value` is not an envelope. */
export function envelopeKid(value: unknown): string | undefined {
  return isEnvelope(value) ? value.split('.')[1] : undefined;
}

export function encryptValue(keyring: Keyring, plaintext: string, aad: string): string {
  const { kid, key } = keyring.current;
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, kid, iv.toString('base64url'), tag.toString('base64url'), ct.toString('base64url')].join('.');
}

export function decryptValue(keyring: Keyring, envelope: string, aad: string): string {
  const parts = envelope.split('.');
  const [version, kid, ivB64, tagB64, ctB64] = parts;
  if (parts.length !== 5 || version !== VERSION || kid === undefined || ivB64 === undefined || tagB64 === undefined || ctB64 === undefined) {
    throw new CrmMcpError('crypto_tampered', 'encrypted value is not a v1 envelope');
  }
  if (!KID_PATTERN.test(kid) || !B64URL.test(ivB64) || !B64URL.test(tagB64) || !B64URL.test(ctB64)) {
    throw new CrmMcpError('crypto_tampered', 'encrypted value has a malformed envelope');
  }
  const key = keyring.get(kid);
  if (!key) {
    throw new CrmMcpError('crypto_unknown_key', `encrypted value names key '${kid}', which is not in the keyring`, { details: { kid } });
  }
  const iv = Buffer.from(ivB64, 'base64url');
  const tag = Buffer.from(tagB64, 'base64url');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new CrmMcpError('crypto_tampered', 'encrypted value has a malformed IV or tag');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(ctB64, 'base64url')), decipher.final()]).toString('utf8');
  } catch (cause) {
    throw new CrmMcpError('crypto_tampered', `encrypted value failed authentication under key '${kid}' (tampered, or moved from another record)`, {
      cause,
      details: { kid },
    });
  }
}
