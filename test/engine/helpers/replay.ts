/**
 * A loopback HTTP server that answers queued responses in order and records every request
 * (method, path, query, headers, body). Used by golden and safety tests to drive the real
 * engine over real HTTP without a provider fake.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReplayResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Sent verbatim instead of JSON. */
  raw?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface ReplayServer {
  url: string;
  host: string;
  requests: RecordedRequest[];
  queue(...r: ReplayResponse[]): void;
  /** Drops queued responses and recorded requests. */
  reset(): void;
  close(): Promise<void>;
}

export async function startReplayServer(): Promise<ReplayServer> {
  const pending: ReplayResponse[] = [];
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://x');
      const text = Buffer.concat(chunks).toString('utf8');
      requests.push({
        method: req.method ?? '',
        path: u.pathname,
        query: Object.fromEntries(u.searchParams),
        headers: req.headers,
        body: text ? (JSON.parse(text) as unknown) : undefined,
      });
      const next = pending.shift() ?? { status: 500, body: { error: 'replay queue empty' } };
      const payload = next.raw ?? (next.body === undefined ? '' : JSON.stringify(next.body));
      res.writeHead(next.status, { ...(payload && next.raw === undefined ? { 'content-type': 'application/json' } : {}), ...next.headers });
      res.end(payload);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    requests,
    queue: (...r) => pending.push(...r),
    reset: () => {
      pending.length = 0;
      requests.length = 0;
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}
