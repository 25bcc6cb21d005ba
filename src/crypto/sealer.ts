/**
 * Seals secrets that are not account fields (OAuth client secrets, PKCE verifiers) with the
 * account keyring and envelope. The AAD is `seal:<purpose>`, so a sealed value opens only for
 * the purpose it was sealed for: a client secret copied into a state record's verifier field
 * fails as 'crypto_tampered'.
 *
 * Values sealed before purposes existed carry the fixed AAD 'crm-mcp:sealed-secret'. They still
 * open, and `open` hands back the value sealed anew for its purpose so the caller can write it
 * back (as it does for a value under an older key); `keys rotate` re-seals the rest.
 */
import { CrmMcpError, isCrmMcpError } from '../core/errors.js';
import { decryptValue, encryptValue, envelopeKid } from './envelope.js';
import type { Keyring } from './keyring.js';

/** What a sealed value is for; each purpose is its own AAD. */
export type SealPurpose = 'oauth-client-secret' | 'pkce-verifier';

export interface Unsealed {
  plaintext: string;
  /**
   * Present when the value was not sealed for this purpose under the current key (legacy AAD,
   * or an older key): the same plaintext sealed anew, to store in place of the old value.
   */
  resealed?: string;
}

export interface Sealer {
  seal(purpose: SealPurpose, plaintext: string): string;
  /**
   * Throws CrmMcpError 'crypto_tampered' when `sealed` was altered or sealed for another
   * purpose, 'crypto_unknown_key' when its key is not in the keyring.
   */
  open(purpose: SealPurpose, sealed: string): Unsealed;
}

const LEGACY_AAD = 'crm-mcp:sealed-secret';

export function createSealer(keyring: Keyring): Sealer {
  const seal = (purpose: SealPurpose, plaintext: string) => encryptValue(keyring, plaintext, `seal:${purpose}`);
  return {
    seal,
    open(purpose, sealed) {
      let plaintext: string;
      try {
        plaintext = decryptValue(keyring, sealed, `seal:${purpose}`);
      } catch (err) {
        if (!isCrmMcpError(err, 'crypto_tampered')) throw err;
        try {
          plaintext = decryptValue(keyring, sealed, LEGACY_AAD);
        } catch {
          throw new CrmMcpError('crypto_tampered', `sealed ${purpose}: ${err.message}`, { cause: err, details: err.details });
        }
        return { plaintext, resealed: seal(purpose, plaintext) };
      }
      return envelopeKid(sealed) === keyring.current.kid ? { plaintext } : { plaintext, resealed: seal(purpose, plaintext) };
    },
  };
}
