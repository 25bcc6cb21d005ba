/**
 * Streamable HTTP front door. Stateless by default: every POST gets a fresh McpServer and
 * transport built for the caller's account, so any replica can serve any request. `stateful`
 * keeps sessions in this process, each bound to the principal that opened it, and bounded: a
 * principal (an access token) holds at most `maxSessionsPerPrincipal` — opening one more closes
 * its least recently used — and the process at most `maxSessions`, beyond which a new session is
 * refused (503, Retry-After) rather than another caller's being closed; an idle session closes
 * after `sessionIdleMs`.
 * The node server bounds how long a client may take to send its headers and its whole request
 * (a slow body keeps nothing open past `requestTimeoutMs`).
 *
 * Order per request: Host/Origin (403) → route (404) → auth (401/403) → MCP transport.
 * Routes: GET /healthz; /mcp (the token's account); /accounts/<id>/mcp (must be the token's);
 * GET /.well-known/oauth-protected-resource/<mcp path> (RFC 9728, tokens mode);
 * and the routes given (by path prefix).
 */
import { createServer as createNodeServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Deps, TimerHandle } from '../core/deps.js';
import type { Engine } from '../engine/types.js';
import { createServer, type CrmMcpServer } from '../mcp/server.js';
import { rateLimitHeaders } from '../mcp/results.js';
import type { AccountStore } from '../store/account-store.js';
import { decideAccess, type AuthMode, type Principal } from './auth.js';
import { checkHostAndOrigin, LOOPBACK_HOSTS } from './host-guard.js';
import { METADATA_PREFIX, metadataUrl, originOf, resourceMetadata } from './resource-metadata.js';
import { sendAccessDenied, sendFailure, sendJson, sendRpcError } from './respond.js';

export interface HttpAppOptions {
  engine: Engine;
  deps: Deps;
  accounts: Pick<AccountStore, 'get'>;
  auth: AuthMode;
  /** Host names accepted in Host/Origin (default: loopback names). */
  allowedHosts?: readonly string[];
  stateful?: boolean;
  /** Answer POSTs with plain JSON rather than SSE (default true); then ratelimit-* headers are set. */
  jsonResponse?: boolean;
  reconnectUrl?: string;
  crmName?: (integration: string) => string | undefined;
  /** Stateful only: a session unused this long is closed (default 30 min). */
  sessionIdleMs?: number;
  /** Public base URL (behind a proxy or TLS terminator); default: the request's own origin. */
  publicUrl?: string;
  /** Authorization servers named in the protected-resource metadata (RFC 9728); none by default. */
  authorizationServers?: readonly string[];
  /** Stateful only: sessions one principal may hold; one more closes its least recently used (default 16). */
  maxSessionsPerPrincipal?: number;
  /** Stateful only: sessions in this process; beyond it new sessions are refused with 503 (default 1000). */
  maxSessions?: number;
  /**
   * Other routes beside MCP (e.g. the connect flow under `/connect/`), matched by path prefix
   * after the Host/Origin check; a handler that returns false leaves the request a 404.
   */
  routes?: ReadonlyArray<HttpRoute>;
}

export interface HttpRoute {
  /** Path prefix, e.g. `/connect/`. */
  prefix: string;
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
}

export interface HttpApp {
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Closes stateful sessions. */
  close(): Promise<void>;
  /** Open stateful sessions. */
  sessionCount(): number;
}

const ACCOUNT_ROUTE = /^\/accounts\/([A-Za-z0-9._:-]{1,128})\/mcp$/;

interface Session {
  transport: StreamableHTTPServerTransport;
  built: CrmMcpServer;
  principalKey: string;
  /** Order of last use (a counter: the injected clock may not move between requests). */
  lastUsed: number;
  idle?: TimerHandle;
}

const SESSION_DEFAULTS = { idleMs: 30 * 60_000, perPrincipal: 16, total: 1000 } as const;

export function createHttpApp(opts: HttpAppOptions): HttpApp {
  const allowed = opts.allowedHosts ?? LOOPBACK_HOSTS;
  const jsonResponse = opts.jsonResponse ?? true;
  const log = opts.deps.logger.child({ component: 'http' });
  const sessions = new Map<string, Session>();
  const idleMs = opts.sessionIdleMs ?? SESSION_DEFAULTS.idleMs;
  const perPrincipal = opts.maxSessionsPerPrincipal ?? SESSION_DEFAULTS.perPrincipal;
  const maxSessions = opts.maxSessions ?? SESSION_DEFAULTS.total;
  /** Sessions being initialized (built, not yet registered): they count against the total cap. */
  let opening = 0;
  let uses = 0;

  const endSession = async (id: string) => {
    const s = sessions.get(id);
    if (!s) return;
    sessions.delete(id);
    s.idle?.cancel();
    await s.transport.close().catch(() => {});
    await s.built.cleanup().catch(() => {});
  };
  /** Closes the principal's least recently used sessions until it holds fewer than `keep`. */
  const evictFor = (principalKey: string, keep: number) => {
    const mine = [...sessions.entries()].filter(([, s]) => s.principalKey === principalKey).sort(([, a], [, b]) => a.lastUsed - b.lastUsed);
    for (const [id] of mine.slice(0, Math.max(0, mine.length - keep))) {
      log.info('session closed: the principal opened more than its cap', { max_sessions_per_principal: perPrincipal });
      void endSession(id);
    }
  };
  const touch = (id: string) => {
    const s = sessions.get(id);
    if (!s) return;
    s.lastUsed = ++uses;
    s.idle?.cancel();
    s.idle = opts.deps.clock.setTimer(() => {
      log.info('session expired', { idle_ms: idleMs });
      void endSession(id);
    }, idleMs);
  };

  const build = async (principal: Principal, account: Parameters<typeof createServer>[0]['account'], res: ServerResponse) => {
    const crmName = opts.crmName?.(account.integration);
    // The access decision just read the account: the request's first tool call uses that read;
    // later calls (a stateful session, a batch) read it again so a status change is seen.
    let justRead: typeof account | undefined = account;
    return createServer({
      account,
      engine: opts.engine,
      deps: opts.deps,
      loadAccount: async () => {
        const a = justRead;
        justRead = undefined;
        return a ?? opts.accounts.get(principal.accountId);
      },
      ...(crmName ? { crmName } : {}),
      ...(opts.reconnectUrl ? { reconnectUrl: opts.reconnectUrl } : {}),
      onRateLimit: (info) => {
        if (res.headersSent) return;
        for (const [k, v] of Object.entries(rateLimitHeaders(info))) res.setHeader(k, v);
      },
    });
  };

  async function handleMcp(req: IncomingMessage, res: ServerResponse, requestedAccountId: string | undefined) {
    const decision = await decideAccess(opts.auth, opts.accounts, req.headers, requestedAccountId);
    if (!decision.ok) {
      log.info('access denied', { status: decision.status, reason: decision.description });
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      sendAccessDenied(res, decision, metadataUrl(originOf(req, opts.publicUrl), path));
      return;
    }
    const { principal, account } = decision;

    if (!opts.stateful) {
      if (req.method !== 'POST') {
        sendRpcError(res, 405, 'Method not allowed: this server is stateless; use POST', { allow: 'POST' });
        return;
      }
      const built = await build(principal, account, res);
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: jsonResponse });
      res.on('close', () => {
        void transport.close();
        void built.cleanup();
      });
      await built.server.connect(transport);
      await transport.handleRequest(req, res);
      return;
    }

    const sid = req.headers['mcp-session-id'];
    if (typeof sid === 'string') {
      const s = sessions.get(sid);
      // A session opened by another principal does not exist for this caller.
      if (!s || s.principalKey !== principal.key) {
        sendRpcError(res, 404, 'Session not found');
        return;
      }
      touch(sid);
      await s.transport.handleRequest(req, res);
      return;
    }
    if (req.method !== 'POST') {
      sendRpcError(res, 400, 'Bad Request: no session; send initialize first');
      return;
    }
    if (sessions.size + opening >= maxSessions) {
      log.warn('session refused: the server holds its maximum number of sessions', { max_sessions: maxSessions });
      sendRpcError(res, 503, 'Service Unavailable: too many open sessions; close one (DELETE) or retry later', { 'retry-after': '30' });
      return;
    }
    await openSession(principal, account, req, res);
  }

  /** An initialize without a session id: the new session is registered once the SDK assigns its id. */
  async function openSession(principal: Principal, account: Parameters<typeof createServer>[0]['account'], req: IncomingMessage, res: ServerResponse) {
    opening++;
    let registered = false;
    try {
      const built = await build(principal, account, res);
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => opts.deps.random.uuid(),
        enableJsonResponse: jsonResponse,
        onsessioninitialized: (id) => {
          registered = true;
          opening--;
          evictFor(principal.key, perPrincipal - 1);
          sessions.set(id, { transport, built, principalKey: principal.key, lastUsed: ++uses });
          touch(id);
        },
        onsessionclosed: (id) => {
          void endSession(id);
        },
      });
      transport.onclose = () => {
        if (transport.sessionId) sessions.get(transport.sessionId)?.idle?.cancel();
        if (transport.sessionId) sessions.delete(transport.sessionId);
      };
      await built.server.connect(transport);
      await transport.handleRequest(req, res);
      // A POST that did not initialize (the SDK refused it) leaves nothing behind.
      if (!registered) {
        await transport.close().catch(() => {});
        await built.cleanup().catch(() => {});
      }
    } finally {
      if (!registered) opening--;
    }
  }

  return {
    async handle(req, res) {
      try {
        const url = new URL(req.url ?? '/', 'http://localhost');
        if (url.pathname === '/healthz') {
          if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: 'method_not_allowed' }, { allow: 'GET' });
          return sendJson(res, 200, { status: 'ok' });
        }
        // Node keeps the first of several Host headers; a proxy may use another. RFC 9112: exactly one.
        if (req.rawHeaders.filter((_, i) => i % 2 === 0 && req.rawHeaders[i]!.toLowerCase() === 'host').length !== 1) {
          log.warn('rejected request', { reason: 'not exactly one Host header' });
          return sendRpcError(res, 400, 'Bad Request: exactly one Host header');
        }
        const hostCheck = checkHostAndOrigin(req.headers, allowed);
        if (!hostCheck.ok) {
          log.warn('rejected request', { reason: hostCheck.reason });
          return sendRpcError(res, 403, `Forbidden: ${hostCheck.reason}`);
        }
        if (url.pathname.startsWith(METADATA_PREFIX) && opts.auth.mode === 'tokens') {
          const path = url.pathname.slice(METADATA_PREFIX.length);
          if (path !== '/mcp' && !ACCOUNT_ROUTE.test(path)) return sendJson(res, 404, { error: 'not_found' });
          if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: 'method_not_allowed' }, { allow: 'GET' });
          return sendJson(res, 200, resourceMetadata(originOf(req, opts.publicUrl), path, opts.authorizationServers ?? []));
        }
        if (url.pathname === '/mcp') return await handleMcp(req, res, undefined);
        const route = opts.routes?.find((r) => url.pathname.startsWith(r.prefix));
        if (route && (await route.handle(req, res))) return;
        const m = ACCOUNT_ROUTE.exec(url.pathname);
        if (m) return await handleMcp(req, res, m[1]);
        return sendJson(res, 404, { error: 'not_found' });
      } catch (err) {
        log.error('request failed', { err });
        if (!res.headersSent) sendFailure(res, err);
        else res.end();
      }
    },
    async close() {
      await Promise.allSettled([...sessions.keys()].map(endSession));
    },
    sessionCount: () => sessions.size,
  };
}

export interface RunningHttpServer {
  server: Server;
  app: HttpApp;
  url: string;
  port: number;
  close(): Promise<void>;
}

/** How long a client may take to send a request; defaults 10 s for the headers, 30 s for the whole request. */
export interface RequestTimeouts {
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
}

export async function startHttpServer(opts: HttpAppOptions & RequestTimeouts & { port: number; host?: string }): Promise<RunningHttpServer> {
  const app = createHttpApp(opts);
  const requestTimeout = opts.requestTimeoutMs ?? 30_000;
  const headersTimeout = Math.min(opts.headersTimeoutMs ?? 10_000, requestTimeout);
  // Node checks these deadlines every `connectionsCheckingInterval`; check often enough to honour them.
  const server = createNodeServer(
    { requestTimeout, headersTimeout, connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(headersTimeout / 2))) },
    (req, res) => void app.handle(req, res),
  );
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    server,
    app,
    port,
    url: `http://${urlHost}:${port}`,
    async close() {
      await app.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
