/**
 * Last line of defence for anything that leaves the process as text (logs, error messages,
 * tool results): values under secret-looking keys are replaced, and bearer/basic credentials
 * inside strings are masked. Code should not rely on this; it should not pass secrets at all.
 */
const SECRET_KEY = /(^|_|-)(access_?token|refresh_?token|id_?token|token|secret|client_?secret|api_?key|password|authorization|code_?verifier|assertion|private_?key|key_?material)$/i;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

export function maskSecret(value: string): string {
  if (value.length <= 8) return '****';
  return '****' + value.slice(-4);
}

const BEARER = /\b(Bearer|Basic|Zoho-oauthtoken)\s+[A-Za-z0-9._~+/=!-]+/gi;

export function redactString(s: string): string {
  return s.replace(BEARER, (_m, scheme: string) => `${scheme} ****`);
}

export function redact<T>(value: T, depth = 0): T {
  if (depth > 8) return '[depth]' as T;
  if (typeof value === 'string') return redactString(value) as T;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1)) as T;
  if (value instanceof Error) {
    return { name: value.name, message: redactString(value.message), code: (value as { code?: unknown }).code } as T;
  }
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = isSecretKey(k) && v != null && v !== '' ? (typeof v === 'string' ? maskSecret(v) : '****') : redact(v, depth + 1);
    }
    return out as T;
  }
  return value;
}
