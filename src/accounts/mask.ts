/**
 * How a secret value is shown in any listing, `show` or masked export: `****` plus its last 4
 * characters (values of 8 characters or fewer, and non-strings, fully masked).
 */
import { maskSecret } from '../core/redact.js';

export function maskValue(v: unknown): string {
  return typeof v === 'string' ? maskSecret(v) : '****';
}
