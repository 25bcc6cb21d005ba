/**
 * The user's browser in a consent flow: follows redirects itself and keeps cookies per host, as
 * a real OAuth server's login and consent interaction needs (fetch's own redirect handling drops
 * cookies between hops).
 */
/** `firstMethod`: how the first request is sent (POST: the connect link page's button). */
export async function browse(url: string, o: { firstMethod?: 'GET' | 'POST'; maxHops?: number } = {}): Promise<{ status: number; url: string; body: string }> {
  const maxHops = o.maxHops ?? 25;
  const jar = new Map<string, Map<string, string>>();
  let current = url;
  for (let hop = 0; hop < maxHops; hop++) {
    const host = new URL(current).host;
    const cookies = jar.get(host) ?? new Map<string, string>();
    jar.set(host, cookies);
    const cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(current, { method: hop === 0 ? (o.firstMethod ?? 'GET') : 'GET', redirect: 'manual', headers: cookie ? { cookie } : {} });
    for (const line of res.headers.getSetCookie()) {
      const pair = line.split(';')[0] ?? '';
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (!value || /max-age=0|expires=thu, 01 jan 1970/i.test(line)) cookies.delete(name);
      else cookies.set(name, value);
    }
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel();
      current = new URL(location, current).toString();
      continue;
    }
    return { status: res.status, url: current, body: await res.text() };
  }
  throw new Error(`more than ${maxHops} redirects from ${url}`);
}
