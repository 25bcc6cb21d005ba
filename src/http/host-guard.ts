/**
 * DNS-rebinding protection: a browser tricked into talking to this server sends a foreign Host
 * (and usually Origin). Both are checked against an allow-list of host names (ports ignored:
 * rebinding is about names). The default allow-list is loopback only.
 */
import type { IncomingHttpHeaders } from 'node:http';

export const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'] as const;

export type HostCheck = { ok: true } | { ok: false; reason: string };

/**
 * 'Example.com:8080' → 'example.com'; '[::1]:3000' → '[::1]'. Anything that is not exactly a
 * host name or bracketed IPv6 literal with an optional numeric port (trailing text after ']',
 * userinfo, a list, a path) is undefined, i.e. refused.
 */
export function hostnameOf(hostHeader: string): string | undefined {
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9._-]+)(?::\d{1,5})?$/.exec(hostHeader.trim().toLowerCase());
  return m?.[1];
}

function originHostname(origin: string): string | undefined {
  try {
    const u = new URL(origin);
    return u.hostname.toLowerCase() || undefined;
  } catch {
    return undefined;
  }
}

export function checkHostAndOrigin(headers: IncomingHttpHeaders, allowed: readonly string[]): HostCheck {
  const allow = new Set(allowed.map((h) => h.toLowerCase()));
  const host = typeof headers.host === 'string' ? hostnameOf(headers.host) : undefined;
  if (!host || !allow.has(host)) return { ok: false, reason: 'Host header not allowed' };
  const origin = headers.origin;
  if (origin !== undefined) {
    const oh = originHostname(String(origin));
    if (!oh || !allow.has(oh)) return { ok: false, reason: 'Origin header not allowed' };
  }
  return { ok: true };
}

export function isLoopbackAddress(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}
