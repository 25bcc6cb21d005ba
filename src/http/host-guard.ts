/**
 * DNS-rebinding protection: a browser tricked into talking to this server sends a foreign Host
 * (and usually Origin). Both are checked against an allow-list of host names (ports ignored:
 * rebinding is about names). The default allow-list is loopback only.
 */
import type { IncomingHttpHeaders } from 'node:http';

export const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'] as const;

export type HostCheck = { ok: true } | { ok: false; reason: string };

/** 'Example.com:8080' → 'example.com'; '[::1]:3000' → '[::1]'. */
export function hostnameOf(hostHeader: string): string | undefined {
  const h = hostHeader.trim().toLowerCase();
  if (!h) return undefined;
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end > 0 ? h.slice(0, end + 1) : undefined;
  }
  const colon = h.indexOf(':');
  return colon === -1 ? h : h.slice(0, colon);
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
