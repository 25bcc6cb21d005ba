/** Link tokens and OAuth states are stored only as their SHA-256 (see STORAGE.md here). */
import { createHash } from 'node:crypto';

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

export function base64url(buf: Buffer): string {
  return buf.toString('base64url');
}
