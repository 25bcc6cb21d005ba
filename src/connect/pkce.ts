/** RFC 7636 PKCE with S256 only (plain is never offered). */
import { createHash } from 'node:crypto';
import type { Random } from '../core/deps.js';
import { base64url } from './hash.js';

/** 43 chars of base64url from 32 random bytes (RFC 7636 §4.1 minimum entropy). */
export function createCodeVerifier(random: Random): string {
  return base64url(random.bytes(32));
}

export function codeChallengeS256(verifier: string): string {
  return base64url(createHash('sha256').update(verifier, 'ascii').digest());
}
