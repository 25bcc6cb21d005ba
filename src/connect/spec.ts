/**
 * The slice of an integration definition the connect flow reads. The operator runtime builds it
 * from the definition registry (after environment overrides); tests build it by hand against
 * the fake providers.
 */
export interface ContextCapture {
  /** Field of the token response (e.g. `instance_url`). */
  from: string;
  /** Key under the account's `context` (defaults to `from`). */
  to?: string;
  /** When set, the value must be an https URL (http on loopback for tests) whose host matches one. */
  hostPatterns?: string[];
  required?: boolean;
}

export interface OAuthConnectSpec {
  integration: string;
  authorizeUrl: string;
  tokenUrl: string;
  revokeUrl?: string;
  pkce: boolean;
  scopes: string[];
  scopeSeparator: string;
  /** How the client authenticates at the token endpoint. */
  clientAuth: 'client_secret_post' | 'client_secret_basic';
  /** Extra authorize query parameters (e.g. `access_type=offline`). */
  authorizeParams?: Record<string, string>;
  contextCapture: ContextCapture[];
  /** How expiry is known when the response has no `expires_in`: a fixed lifetime in seconds. */
  fixedLifetimeSeconds?: number;
}

/**
 * Host-pattern match: `*.my.salesforce.com` matches exactly one or more labels before the
 * suffix, never the bare suffix; anything else must be equal (case-insensitive).
 */
export function hostMatches(host: string, pattern: string): boolean {
  const h = host.toLowerCase();
  const p = pattern.toLowerCase();
  if (p.startsWith('*.')) return h.endsWith(p.slice(1)) && h.length > p.length - 1;
  return h === p;
}

/** The parsed URL when it is https (or http on a loopback host) and its host matches a pattern. */
export function allowedUrl(value: unknown, patterns: readonly string[]): URL | undefined {
  if (typeof value !== 'string') return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) return undefined;
  if (url.username || url.password) return undefined;
  const host = url.port ? `${url.hostname}:${url.port}` : url.hostname;
  return patterns.some((p) => hostMatches(host, p) || hostMatches(url.hostname, p)) ? url : undefined;
}
