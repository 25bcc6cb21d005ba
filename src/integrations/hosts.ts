/**
 * Outbound host policy. A request URL must be https and its host must match one of the
 * definition's `allowed_hosts`, or one of the deployment's `extraAllowedHosts` (test/dev only,
 * passed in config, never hard-coded), which also permit plain http.
 */
export function hostMatches(host: string, pattern: string): boolean {
  const h = host.toLowerCase();
  const p = pattern.toLowerCase();
  if (p.startsWith('*.')) return h.endsWith(p.slice(1)) && h.length > p.length - 1;
  return h === p;
}

function matchesAny(url: URL, patterns: readonly string[]): boolean {
  const withPort = url.port ? `${url.hostname}:${url.port}` : url.hostname;
  return patterns.some((p) => (p.includes(':') ? hostMatches(withPort, p) : hostMatches(url.hostname, p)));
}

/** Null when allowed, else a reason safe to show (names the host, never a token). */
export function checkOutboundUrl(url: URL, allowed: readonly string[], extraAllowed: readonly string[] = []): string | null {
  if (url.username || url.password) return 'URL must not carry credentials';
  const extra = matchesAny(url, extraAllowed);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && extra)) return `scheme ${url.protocol} is not allowed for host ${url.host}`;
  if (!extra && !matchesAny(url, allowed)) return `host ${url.host} is not in the integration's allowed hosts`;
  return null;
}
