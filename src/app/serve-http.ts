/**
 * Serving over Streamable HTTP, as `serve`, the demo and the benchmarks all do it: the HTTP
 * server with MCP (bearer access tokens, or one account without auth on loopback) and the
 * connect endpoints as a route under `/connect/`, then the proactive refresh schedule rebuilt
 * from the store and started.
 */
import { createAccessTokenStore } from '../access-tokens/store.js';
import { startHttpServer, type HttpAppOptions, type HttpRoute, type RequestTimeouts, type RunningHttpServer } from '../http/server.js';
import type { McpRuntime } from '../mcp/runtime.js';

export interface ServeOptions extends RequestTimeouts, Pick<HttpAppOptions, 'sessionIdleMs' | 'maxSessions' | 'maxSessionsPerPrincipal'> {
  port: number;
  host?: string;
  /** Serve this one account without tokens (callers refuse it off loopback). */
  noAuthAccountId?: string;
  allowedHosts?: readonly string[];
  stateful?: boolean;
  jsonResponse?: boolean;
  reconnectUrl?: string;
}

export interface Serving {
  http: RunningHttpServer;
  /** Accounts put on the refresh schedule at start. */
  scheduled: number;
  close(): Promise<void>;
}

export async function serveHttp(rt: McpRuntime, o: ServeOptions): Promise<Serving> {
  const connect: { handle?: HttpRoute['handle'] } = {};
  const http = await startHttpServer({
    port: o.port,
    ...(o.host ? { host: o.host } : {}),
    engine: rt.engine,
    deps: rt.deps,
    accounts: rt.accounts,
    auth: o.noAuthAccountId ? { mode: 'none', accountId: o.noAuthAccountId } : { mode: 'tokens', tokens: rt.accessTokens ?? createAccessTokenStore({ kv: rt.kv, clock: rt.deps.clock, random: rt.deps.random }) },
    ...(o.allowedHosts ? { allowedHosts: o.allowedHosts } : {}),
    ...(o.stateful !== undefined ? { stateful: o.stateful } : {}),
    ...(o.sessionIdleMs !== undefined ? { sessionIdleMs: o.sessionIdleMs } : {}),
    ...(o.maxSessions !== undefined ? { maxSessions: o.maxSessions } : {}),
    ...(o.maxSessionsPerPrincipal !== undefined ? { maxSessionsPerPrincipal: o.maxSessionsPerPrincipal } : {}),
    ...(o.requestTimeoutMs !== undefined ? { requestTimeoutMs: o.requestTimeoutMs } : {}),
    ...(o.headersTimeoutMs !== undefined ? { headersTimeoutMs: o.headersTimeoutMs } : {}),
    ...(o.jsonResponse !== undefined ? { jsonResponse: o.jsonResponse } : {}),
    crmName: (i) => rt.crmName(i),
    ...(o.reconnectUrl ? { reconnectUrl: o.reconnectUrl } : {}),
    ...(rt.reauth ? { reauth: rt.reauth } : {}),
    ...(rt.publicBaseUrl ? { publicUrl: rt.publicBaseUrl } : {}),
    // The connect handler needs the listening URL (the callback's base), known once listening.
    routes: rt.connectHandler ? [{ prefix: '/connect/', handle: (req, res) => (connect.handle ? connect.handle(req, res) : Promise.resolve(false)) }] : [],
  });
  if (rt.connectHandler) connect.handle = rt.connectHandler(http.url);
  let scheduled = 0;
  if (rt.scheduler) {
    scheduled = await rt.scheduler.rebuild();
    rt.scheduler.start();
    rt.deps.logger.info('refresh scheduler started', { scheduled });
  }
  return {
    http,
    scheduled,
    async close() {
      rt.scheduler?.stop();
      await http.close();
    },
  };
}
