/**
 * Seals secrets that are not account fields (OAuth client secrets, PKCE verifiers) with the
 * same keyring and envelope. `purpose` is the AAD (e.g. 'oauth-client:hubspot:production'),
 * so a sealed value only opens where it was sealed. Structurally a connect `SecretSealer`.
 */
import { decryptValue, encryptValue } from './envelope.js';
import type { Keyring } from './keyring.js';

export interface Sealer {
  seal(plaintext: string): string;
  open(sealed: string): string;
}

export function createSealer(keyring: Keyring, purpose: string): Sealer {
  const aad = `seal:${purpose}`;
  return {
    seal: (plaintext) => encryptValue(keyring, plaintext, aad),
    open: (sealed) => decryptValue(keyring, sealed, aad),
  };
}
