/** Public API of encryption at rest. */
export { decryptValue, encryptValue, envelopeKid, isEnvelope } from './envelope.js';
export { accountAad, createEncryptingCodec } from './encrypting-codec.js';
export type { EncryptingCodec, EncryptingCodecOptions } from './encrypting-codec.js';
export { createKeyring, deriveKid, generateKey, parseKeyList, parseKeyMaterial, parseKeySpec } from './keyring.js';
export type { KeyEntry, Keyring } from './keyring.js';
export { addCurrentKey, createKeyFileIfAbsent, readKeyFile, removeKey } from './key-file.js';
export { findKeyring, generateKeyring } from './load-keyring.js';
export type { KeyringSource, KeySources } from './load-keyring.js';
export { rotate } from './rotate.js';
export type { ResealResult, RotateResult, SealedSecretSet } from './rotate.js';
export { createSealer } from './sealer.js';
export type { SealPurpose, Sealer, Unsealed } from './sealer.js';
