/**
 * Streamable HTTP front door. Stateless by default: every request is served by a server built for
 * the caller's account, so any replica can serve any request; 2026-07-28 and 2025-era clients share
 * the one URL (mcp-endpoint.ts). `stateful` keeps 2025-era sessions in this process, bound to the
 * principal that opened it and bounded (mcp-sessions.ts).
 * The node server bounds how long a client may take to send its headers and its whole request
 * (a slow body keeps nothing open past `requestTimeoutMs`).
 *
 * Order per request: Host/Origin (403) → route (404) → auth (401/403) → body limit (413) → MCP.
 * Routes: GET /healthz; /mcp (the token's account); /accounts/<id>/mcp (must be the token's);
 * GET /.well-known/oauth-protected-resource/<mcp path> (RFC 9728, tokens mode);
 * and the routes given (by path prefix).
 */
import { createServer as createNodeServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Deps } from '../core/deps.js';
import type { Engine } from '../engine/types.js';
import type { ReauthFlow } from '../mcp/reauth.js';
import type { AccountStore } from '../store/account-store.js';
import { decideAccess, type AuthMode } from './auth.js';
import { checkHostAndOrigin, LOOPBACK_HOSTS } from './host-guard.js';
import { createMcpEndpoint } from './mcp-endpoint.js';
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
  /** The 2026-07-28 reconnect round (src/mcp/reauth.ts); without it every client gets the isError result. */
  reauth?: ReauthFlow;
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

export function createHttpApp(opts: HttpAppOptions): HttpApp {
  const allowed = opts.allowedHosts ?? LOOPBACK_HOSTS;
  const log = opts.deps.logger.child({ component: 'http' });
  const endpoint = createMcpEndpoint({
    engine: opts.engine,
    deps: opts.deps,
    accounts: opts.accounts,
    stateful: opts.stateful ?? false,
    jsonResponse: opts.jsonResponse ?? true,
    ...(opts.reconnectUrl !== undefined ? { reconnectUrl: opts.reconnectUrl } : {}),
    ...(opts.reauth ? { reauth: opts.reauth } : {}),
    ...(opts.crmName ? { crmName: opts.crmName } : {}),
    ...(opts.sessionIdleMs !== undefined ? { sessionIdleMs: opts.sessionIdleMs } : {}),
    ...(opts.maxSessionsPerPrincipal !== undefined ? { maxSessionsPerPrincipal: opts.maxSessionsPerPrincipal } : {}),
    ...(opts.maxSessions !== undefined ? { maxSessions: opts.maxSessions } : {}),
  });

  async function handleMcp(req: IncomingMessage, res: ServerResponse, requestedAccountId: string | undefined) {
    const decision = await decideAccess(opts.auth, opts.accounts, req.headers, requestedAccountId);
    if (!decision.ok) {
      log.info('access denied', { status: decision.status, reason: decision.description });
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      sendAccessDenied(res, decision, metadataUrl(originOf(req, opts.publicUrl), path));
      return;
    }
    await endpoint.serve(req, res, { principal: decision.principal, account: decision.account });
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
    close: () => endpoint.close(),
    sessionCount: () => endpoint.sessionCount(),
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
