/**
 * A tiny fixed-window limit in front of a HubSpot fake: after `max` requests in a window the
 * proxy answers like HubSpot does (429, RATE_LIMIT body, X-HubSpot-RateLimit-* headers) until
 * the window, measured on a manual clock, rolls over. Lets the backoff example meet a real
 * provider limit without waiting in real time.
 */
import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ThrottlingProxy {
  url: string;
  host: string;
  throttled: number;
  forwarded: number;
  close(): Promise<void>;
}

export async function startThrottlingProxy(target: string, opts: { max: number; windowMs: number; now: () => number }): Promise<ThrottlingProxy> {
  const t = new URL(target);
  let windowStart = opts.now();
  let used = 0;
  const state = { url: '', host: '', throttled: 0, forwarded: 0, close: async () => {} };
  const server = createServer((req, res) => {
    if (opts.now() - windowStart >= opts.windowMs) {
      windowStart = opts.now();
      used = 0;
    }
    const remaining = Math.max(0, opts.max - used - 1);
    // Lower-case names: they replace the upstream's (node lower-cases incoming header names).
    const rl = { 'x-hubspot-ratelimit-max': String(opts.max), 'x-hubspot-ratelimit-interval-milliseconds': String(opts.windowMs) };
    const isApi = req.url?.startsWith('/crm/') ?? false;
    if (isApi && used >= opts.max) {
      state.throttled++;
      const retry = Math.ceil((windowStart + opts.windowMs - opts.now()) / 1000);
      res.writeHead(429, { 'content-type': 'application/json;charset=UTF-8', ...rl, 'x-hubspot-ratelimit-remaining': '0', 'retry-after': String(retry) });
      res.end(JSON.stringify({ status: 'error', message: 'You have reached your ten_secondly_rolling limit.', errorType: 'RATE_LIMIT', correlationId: 'c-rl', policyName: 'TEN_SECONDLY_ROLLING', requestId: 'r-rl' }));
      req.resume();
      return;
    }
    if (isApi) used++;
    state.forwarded++;
    const headers: IncomingHttpHeaders = { ...req.headers, host: t.host };
    const up = request({ host: t.hostname, port: t.port, path: req.url, method: req.method, headers }, (upRes) => {
      const h = { ...upRes.headers, ...(isApi ? { ...rl, 'x-hubspot-ratelimit-remaining': String(remaining) } : {}) };
      res.writeHead(upRes.statusCode ?? 502, h);
      upRes.pipe(res);
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  state.url = `http://127.0.0.1:${port}`;
  state.host = `127.0.0.1:${port}`;
  state.close = () => new Promise((r) => server.close(() => r()));
  return state;
}
