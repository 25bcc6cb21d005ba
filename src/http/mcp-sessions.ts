/**
 * 2025-era sessions for `--stateful` (2026-07-28 has no sessions: those requests never get
 * here). Each session is bound to the principal that opened it, and bounded: a principal holds
 * at most `maxSessionsPerPrincipal` — opening one more closes its least recently used — and the
 * process at most `maxSessions`, beyond which a new session is refused (503, Retry-After) rather
 * than another caller's being closed; an idle session closes after `sessionIdleMs`.
 */
import type { ServerResponse } from 'node:http';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
import type { Deps, Logger, TimerHandle } from '../core/deps.js';
import type { LinkedAccount } from '../accounts/model.js';
import type { RateLimitInfo } from '../engine/types.js';
import type { CrmMcpServer } from '../mcp/server.js';
import type { Principal } from './auth.js';
import { sendRpcError } from './respond.js';

/** One request's caller: who, which account (as the access decision read it), and what the provider said about limits. */
export interface McpCall {
  principal: Principal;
  account: LinkedAccount;
  rateLimit?: RateLimitInfo;
}

export interface SessionLimits {
  /** A session unused this long is closed (default 30 min). */
  sessionIdleMs?: number;
  /** Sessions one principal may hold; one more closes its least recently used (default 16). */
  maxSessionsPerPrincipal?: number;
  /** Sessions in this process; beyond it new sessions are refused with 503 (default 1000). */
  maxSessions?: number;
}

interface SessionDeps extends SessionLimits {
  deps: Deps;
  log: Logger;
  jsonResponse: boolean;
  build(first: McpCall, current: () => McpCall): Promise<CrmMcpServer>;
  write(res: ServerResponse, response: Response, call: McpCall): Promise<void>;
}

interface Session {
  transport: WebStandardStreamableHTTPServerTransport;
  built: CrmMcpServer;
  principalKey: string;
  /** The request being served (its response gets the rate-limit headers; concurrent requests share it). */
  holder: { call: McpCall };
  /** Order of last use (a counter: the injected clock may not move between requests). */
  lastUsed: number;
  idle?: TimerHandle;
}

const DEFAULTS = { idleMs: 30 * 60_000, perPrincipal: 16, total: 1000 } as const;

export function createSessions(o: SessionDeps) {
  const sessions = new Map<string, Session>();
  const idleMs = o.sessionIdleMs ?? DEFAULTS.idleMs;
  const perPrincipal = o.maxSessionsPerPrincipal ?? DEFAULTS.perPrincipal;
  const maxSessions = o.maxSessions ?? DEFAULTS.total;
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
      o.log.info('session closed: the principal opened more than its cap', { max_sessions_per_principal: perPrincipal });
      void endSession(id);
    }
  };
  const touch = (id: string) => {
    const s = sessions.get(id);
    if (!s) return;
    s.lastUsed = ++uses;
    s.idle?.cancel();
    s.idle = o.deps.clock.setTimer(() => {
      o.log.info('session expired', { idle_ms: idleMs });
      void endSession(id);
    }, idleMs);
  };

  /** An initialize without a session id: the new session is registered once the SDK assigns its id. */
  async function open(request: Request, parsed: { parsedBody?: unknown }, res: ServerResponse, call: McpCall) {
    opening++;
    let registered = false;
    try {
      const holder = { call };
      const built = await o.build(call, () => holder.call);
      const transport: WebStandardStreamableHTTPServerTransport = new WebStandardStreamableHTTPServerTransport({
        sessionIdGenerator: () => o.deps.random.uuid(),
        enableJsonResponse: o.jsonResponse,
        onsessioninitialized: (id) => {
          registered = true;
          opening--;
          evictFor(call.principal.key, perPrincipal - 1);
          sessions.set(id, { transport, built, principalKey: call.principal.key, holder, lastUsed: ++uses });
          touch(id);
        },
        onsessionclosed: (id) => void endSession(id),
      });
      transport.onclose = () => {
        if (!transport.sessionId) return;
        sessions.get(transport.sessionId)?.idle?.cancel();
        sessions.delete(transport.sessionId);
      };
      await built.server.connect(transport);
      await o.write(res, await transport.handleRequest(request, parsed), call);
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
    async serve(request: Request, parsed: { parsedBody?: unknown }, res: ServerResponse, call: McpCall): Promise<void> {
      const sid = request.headers.get('mcp-session-id');
      if (sid !== null) {
        const s = sessions.get(sid);
        // A session opened by another principal does not exist for this caller.
        if (!s || s.principalKey !== call.principal.key) return sendRpcError(res, 404, 'Session not found');
        touch(sid);
        s.holder.call = call;
        return o.write(res, await s.transport.handleRequest(request, parsed), call);
      }
      if (request.method !== 'POST') return sendRpcError(res, 400, 'Bad Request: no session; send initialize first');
      if (sessions.size + opening >= maxSessions) {
        o.log.warn('session refused: the server holds its maximum number of sessions', { max_sessions: maxSessions });
        return sendRpcError(res, 503, 'Service Unavailable: too many open sessions; close one (DELETE) or retry later', { 'retry-after': '30' });
      }
      await open(request, parsed, res, call);
    },
    async close() {
      await Promise.allSettled([...sessions.keys()].map(endSession));
    },
    count: () => sessions.size,
  };
}
