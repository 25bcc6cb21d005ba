/**
 * The loopback HTTP plumbing every fake shares: a node:http server on 127.0.0.1, a request log
 * (method, path without query, status — never headers, bodies or query strings, so no secret is
 * ever recorded), per-path counters, and queued fault injection. Handlers return a `Reply`
 * value so request handling stays testable while the fakes stay real HTTP servers.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** Serialized as JSON unless `text` is given. Omitted → empty body. */
  json?: unknown;
  text?: string;
  /** Never answer (the socket stays open until the client gives up or the server closes). */
  hang?: boolean;
}

export interface IncomingCall {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
  body: string;
}

export type Handler = (call: IncomingCall) => Reply | Promise<Reply>;

export interface LogEntry {
  method: string;
  /** Path only; the query string is never recorded (it may carry tokens). */
  path: string;
  status: number | 'hang';
  at: number;
}

export class RequestLog {
  readonly entries: LogEntry[] = [];

  add(e: LogEntry): void {
    this.entries.push(e);
  }

  /** Requests whose path equals `path` (or matches it, for a RegExp), optionally of one method. */
  count(path?: string | RegExp, method?: string): number {
    return this.entries.filter(
      (e) =>
        (method === undefined || e.method === method.toUpperCase()) &&
        (path === undefined || (typeof path === 'string' ? e.path === path : path.test(e.path))),
    ).length;
  }

  /** `{ "GET /crm/v3/objects/contacts": 3, ... }` */
  counters(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const e of this.entries) {
      const k = `${e.method} ${e.path}`;
      out[k] = (out[k] ?? 0) + 1;
    }
    return out;
  }

  reset(): void {
    this.entries.length = 0;
  }
}

/** Which requests a queued fault applies to. `token`: the OAuth token endpoint; `api`: CRM data calls. */
export type FaultScope = 'token' | 'api' | 'any';

export type Fault =
  | { kind: 'status500' }
  | { kind: 'status'; status: number; json?: unknown }
  | { kind: 'rate_limited'; retryAfterSeconds?: number }
  | { kind: 'hang' }
  | { kind: 'garbage' };

interface QueuedFault {
  fault: Fault;
  scope: FaultScope;
  remaining: number;
}

export class FaultQueue {
  private readonly queue: QueuedFault[] = [];

  /** The next `count` requests in `scope` get `fault` instead of their normal answer. */
  inject(fault: Fault, opts: { count?: number; scope?: FaultScope } = {}): void {
    this.queue.push({ fault, scope: opts.scope ?? 'token', remaining: opts.count ?? 1 });
  }

  clear(): void {
    this.queue.length = 0;
  }

  get pending(): number {
    return this.queue.reduce((n, q) => n + q.remaining, 0);
  }

  /** Consumes and returns the reply of the first fault queued for `scope`, if any. */
  take(scope: Exclude<FaultScope, 'any'>): Reply | undefined {
    const i = this.queue.findIndex((q) => q.scope === scope || q.scope === 'any');
    const q = i >= 0 ? this.queue[i] : undefined;
    if (!q) return undefined;
    q.remaining -= 1;
    if (q.remaining <= 0) this.queue.splice(i, 1);
    return faultReply(q.fault);
  }
}

function faultReply(f: Fault): Reply {
  switch (f.kind) {
    case 'status500':
      return { status: 500, json: { error: 'server_error', error_description: 'internal server error' } };
    case 'status':
      return { status: f.status, json: f.json };
    case 'rate_limited':
      return {
        status: 429,
        headers: { 'retry-after': String(f.retryAfterSeconds ?? 10) },
        json: { error: 'rate_limited', error_description: 'too many requests' },
      };
    case 'hang':
      return { status: 0, hang: true };
    case 'garbage':
      return { status: 200, headers: { 'content-type': 'text/html' }, text: '<html><body>502 Bad Gateway</body' };
  }
}

export interface LoopbackServer {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function write(res: ServerResponse, r: Reply): void {
  const headers: Record<string, string> = { ...(r.headers ?? {}) };
  let body = '';
  if (r.text !== undefined) body = r.text;
  else if (r.json !== undefined) {
    body = JSON.stringify(r.json);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json;charset=UTF-8';
  }
  res.writeHead(r.status, headers);
  res.end(body);
}

/**
 * Starts `handler` on 127.0.0.1 (port 0 → a free port). Handler exceptions become 500s.
 * `close()` also drops keep-alive and hanging sockets so tests never wait on them.
 */
export async function startLoopback(
  handler: Handler,
  opts: { port?: number; log?: RequestLog; now?: () => number } = {},
): Promise<LoopbackServer> {
  const now = opts.now ?? Date.now;
  const hanging = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const method = (req.method ?? 'GET').toUpperCase();
      let reply: Reply;
      try {
        const body = await readBody(req);
        reply = await handler({ method, url, headers: req.headers, body });
      } catch {
        reply = { status: 500, json: { error: 'server_error', error_description: 'fake provider failure' } };
      }
      opts.log?.add({ method, path: url.pathname, status: reply.hang ? 'hang' : reply.status, at: now() });
      if (reply.hang) {
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        return;
      }
      write(res, reply);
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        for (const r of hanging) r.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Parses an `application/x-www-form-urlencoded` body. */
export function parseForm(body: string): URLSearchParams {
  return new URLSearchParams(body);
}

/** `Authorization: Basic` credentials, or undefined. */
export function basicAuth(headers: IncomingMessage['headers']): { id: string; secret: string } | undefined {
  const h = headers.authorization;
  if (!h || !/^basic /i.test(h)) return undefined;
  const raw = Buffer.from(h.slice(6).trim(), 'base64').toString('utf8');
  const i = raw.indexOf(':');
  if (i < 0) return undefined;
  // RFC 6749 §2.3.1: both halves are form-urlencoded before base64.
  const dec = (s: string): string => {
    try {
      return decodeURIComponent(s.replace(/\+/g, ' '));
    } catch {
      return s;
    }
  };
  return { id: dec(raw.slice(0, i)), secret: dec(raw.slice(i + 1)) };
}

/** The bearer token of a request, or undefined. */
export function bearer(headers: IncomingMessage['headers']): string | undefined {
  const h = headers.authorization;
  if (!h) return undefined;
  const m = /^bearer\s+(.+)$/i.exec(h.trim());
  return m?.[1];
}
