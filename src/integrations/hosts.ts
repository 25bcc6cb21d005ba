/**
 * The one transport rule for every outbound URL — authorize, token, revoke and introspection
 * endpoints, API requests and URLs captured from token responses: https, no userinfo, and a host
 * the caller allows (a definition's `allowed_hosts`, a capture's `host_patterns`; an OAuth
 * endpoint's host is the one its definition names). The only exception is the operator's
 * `insecureHosts` setting (config key, CRM_MCP_INSECURE_HOSTS): loopback hosts, optionally with a
 * port, that are allowed and may be reached over plain http — local development providers and
 * the sandboxes. An entry that is not loopback is refused when the configuration loads and
 * ignored here, so no setting can send a credential in cleartext off this machine.
 */
import type { Definition } from './schema.js';

export function hostMatches(host: string, pattern: string): boolean {
  const h = host.toLowerCase();
  const p = pattern.toLowerCase();
  if (p.startsWith('*.')) return h.endsWith(p.slice(1)) && h.length > p.length - 1;
  return h === p;
}

/** `host:port` or `[v6]:port` (a pattern without a port matches any port). */
const hasPort = (p: string) => /^(\[[^\]]*\]|[^:[\]]+):\d+$/.test(p);

function matchesAny(url: URL, patterns: readonly string[]): boolean {
  const withPort = url.port ? `${url.hostname}:${url.port}` : url.hostname;
  return patterns.some((p) => hostMatches(hasPort(p) ? withPort : url.hostname, p));
}

/** `localhost`, `127.x.y.z` or `[::1]` (as a URL writes it). */
export function isLoopbackHostname(hostname: string): boolean {
  const h = hostname.toLowerCase();
  return h === 'localhost' || h === '[::1]' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * The reason an `insecureHosts` entry is refused, or null: it must be a loopback host name,
 * optionally with a port (`127.0.0.1`, `localhost:8089`, `[::1]:9000`).
 */
export function insecureHostProblem(entry: string): string | null {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(entry.trim());
  if (!m) return `'${entry}' is not a host name with an optional port`;
  if (!isLoopbackHostname(m[1]!)) return `'${entry}' is not a loopback host (only localhost, 127.x.x.x and [::1] may be reached over plain http)`;
  if (m[2] !== undefined && Number(m[2]) > 65535) return `'${entry}' has an invalid port`;
  return null;
}

const loopbackOnly = (insecure: readonly string[]) => insecure.filter((h) => insecureHostProblem(h) === null);

/** Null when allowed, else a reason safe to show (names the host, never a token). */
export function checkOutboundUrl(url: URL, allowed: readonly string[], insecureHosts: readonly string[] = []): string | null {
  if (url.username || url.password) return 'URL must not carry credentials';
  const insecure = isLoopbackHostname(url.hostname) && matchesAny(url, loopbackOnly(insecureHosts));
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && insecure)) {
    return `scheme ${url.protocol} is not allowed for host ${url.host} (https only; a local development provider must be listed in insecureHosts)`;
  }
  if (!insecure && !matchesAny(url, allowed)) return `host ${url.host} is not in the integration's allowed hosts`;
  return null;
}

/**
 * The transport rule over a definition's OAuth endpoints (as resolved for an environment): each
 * named URL must be https (or http on an insecure loopback host). Returns the first problem as
 * `<field>: <reason>`, or null.
 */
export function oauthEndpointProblem(def: Definition, insecureHosts: readonly string[] = []): string | null {
  const a = def.auth;
  if (a.type === 'api_key') return null;
  const urls: Array<[string, string | undefined]> = [
    ['auth.token_url', a.token_url],
    ...(a.type === 'oauth2'
      ? ([
          ['auth.authorize_url', a.authorize_url],
          ['auth.revoke_url', a.revoke_url],
          ['auth.introspect_url', a.introspect_url],
        ] as Array<[string, string | undefined]>)
      : []),
  ];
  for (const [field, value] of urls) {
    if (value === undefined) continue;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return `${field}: not a valid URL`;
    }
    // The host is the one the definition names; what is checked is the scheme and userinfo.
    const problem = checkOutboundUrl(url, [url.hostname], insecureHosts);
    if (problem) return `${field}: ${problem}`;
  }
  return null;
}
