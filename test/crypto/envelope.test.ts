import { describe, expect, it } from 'vitest';
import { isCrmMcpError } from '../../src/core/errors.js';
import { decryptValue, encryptValue, envelopeKid } from '../../src/crypto/envelope.js';
import { createKeyring, deriveKid, generateKey, parseKeyList, parseKeyMaterial, parseKeySpec } from '../../src/crypto/keyring.js';

const k1 = generateKey('k1');
const k2 = generateKey('k2');
const SECRET = 'super-secret-token-value-123456';

describe('envelope', () => {
  it('round-trips with a v1.<kid>.<iv>.<tag>.<ct> format and a fresh IV each time', () => {
    const ring = createKeyring(k1);
    const a = encryptValue(ring, SECRET, 'acct:a:context.api_key');
    const b = encryptValue(ring, SECRET, 'acct:a:context.api_key');
    expect(a).toMatch(/^v1\.k1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain(SECRET);
    expect(envelopeKid(a)).toBe('k1');
    expect(decryptValue(ring, a, 'acct:a:context.api_key')).toBe(SECRET);
    expect(decryptValue(ring, encryptValue(ring, '', 'x'), 'x')).toBe('');
  });

  it('a ciphertext moved to another account or field fails as crypto_tampered', () => {
    const ring = createKeyring(k1);
    const env = encryptValue(ring, SECRET, 'acct:a:context.api_key');
    for (const aad of ['acct:b:context.api_key', 'acct:a:context.oauth.token.access_token']) {
      expect(() => decryptValue(ring, env, aad)).toThrow(expect.objectContaining({ code: 'crypto_tampered' }));
    }
  });

  it('every single-part tampering is rejected with a typed error, never plaintext', () => {
    const ring = createKeyring(k1);
    const env = encryptValue(ring, SECRET, 'aad');
    const parts = env.split('.');
    for (const i of [2, 3, 4]) {
      const p = [...parts];
      p[i] = (p[i]![0] === 'A' ? 'B' : 'A') + p[i]!.slice(1);
      let err: unknown;
      try {
        decryptValue(ring, p.join('.'), 'aad');
      } catch (e) {
        err = e;
      }
      expect(isCrmMcpError(err, 'crypto_tampered')).toBe(true);
      expect(String((err as Error).message)).not.toContain(SECRET);
    }
    for (const bad of ['', 'v1', 'v2.k1.a.b.c', 'v1.k1.!!.b.c', `${env}.extra`, 'v1.k1..' + parts[3] + '.' + parts[4]]) {
      expect(() => decryptValue(ring, bad, 'aad')).toThrow(expect.objectContaining({ code: 'crypto_tampered' }));
    }
  });

  it('an unknown key id is crypto_unknown_key; an old key in the keyring still decrypts', () => {
    const env = encryptValue(createKeyring(k1), SECRET, 'aad');
    expect(() => decryptValue(createKeyring(k2), env, 'aad')).toThrow(expect.objectContaining({ code: 'crypto_unknown_key' }));
    const rotated = createKeyring(k2, [k1]);
    expect(decryptValue(rotated, env, 'aad')).toBe(SECRET);
    expect(envelopeKid(encryptValue(rotated, SECRET, 'aad'))).toBe('k2');
  });

  it('same kid but a different key is detected as tampering, not a crash', () => {
    const env = encryptValue(createKeyring(k1), SECRET, 'aad');
    const impostor = createKeyring({ kid: 'k1', key: generateKey().key });
    expect(() => decryptValue(impostor, env, 'aad')).toThrow(expect.objectContaining({ code: 'crypto_tampered' }));
  });
});

describe('keys', () => {
  const raw = Buffer.alloc(32, 7);
  it('accepts 32 bytes as base64, base64url or hex', () => {
    expect(parseKeyMaterial(raw.toString('base64')).equals(raw)).toBe(true);
    expect(parseKeyMaterial(raw.toString('base64url')).equals(raw)).toBe(true);
    expect(parseKeyMaterial(raw.toString('hex')).equals(raw)).toBe(true);
    const odd = Buffer.from(Array.from({ length: 32 }, (_, i) => 250 - i));
    expect(parseKeyMaterial(odd.toString('base64url')).equals(odd)).toBe(true);
  });

  it('rejects wrong lengths and garbage with crypto_bad_key, without echoing the material', () => {
    for (const bad of [Buffer.alloc(16).toString('base64'), 'not a key!!', '', Buffer.alloc(33).toString('hex')]) {
      let err: unknown;
      try {
        parseKeyMaterial(bad);
      } catch (e) {
        err = e;
      }
      expect(isCrmMcpError(err, 'crypto_bad_key')).toBe(true);
      if (bad.length > 4) expect((err as Error).message).not.toContain(bad);
    }
  });

  it('parses kid:material specs and lists; derives a kid for bare material; rejects conflicting kids', () => {
    const b64 = raw.toString('base64');
    expect(parseKeySpec(`main:${b64}`).kid).toBe('main');
    expect(parseKeySpec(b64).kid).toBe(deriveKid(raw));
    expect(parseKeyList(`a:${b64}, b:${raw.toString('hex')}`).map((e) => e.kid)).toEqual(['a', 'b']);
    expect(() => parseKeySpec(`bad.kid:${b64}`)).toThrow(expect.objectContaining({ code: 'crypto_bad_key' }));
    expect(() => createKeyring({ kid: 'a', key: raw }, [{ kid: 'a', key: Buffer.alloc(32, 1) }])).toThrow(
      expect.objectContaining({ code: 'crypto_bad_key' }),
    );
  });
});
