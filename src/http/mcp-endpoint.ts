/**
 * The MCP endpoint behind `/mcp` and `/accounts/<id>/mcp`, both protocol eras from one URL:
 * - 2026-07-28 requests (a `_meta` envelope) go to the SDK's `createMcpHandler`, which validates
 *   the standard headers, answers `server/discover`, stamps cache hints and `resultType`; one
 *   handler per process, a server per request built from the per-process compiled tool schemas.
 * - 2025-era requests (`initialize` handshake) are served per request (stateless, plain JSON by
 *   default so rate-limit headers can be set) or, with `stateful`, in bounded sessions
 *   (mcp-sessions.ts).
 * Both eras get the same server (createServer), so tools, results and errors are identical.
 * In front of both, a plain tools/call of a unified tool is answered by the fast path (fast-call.ts:
 * the same tool code and checks, no SDK server or web Request/Response per call); what it declines
 * takes the SDK path above, body untouched.
 * The caller (server.ts) has already checked Host/Origin and decided access.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createMcpHandler, isLegacyRequest, WebStandardStreamableHTTPServerTransport, type AuthInfo } from '@modelcontextprotocol/server';
import type { LinkedAccount } from '../accounts/model.js';
import type { Deps } from '../core/deps.js';
import type { Engine } from '../engine/types.js';
import { rateLimitHeaders } from '../mcp/results.js';
import type { ReauthFlow } from '../mcp/reauth.js';
import { createServer, type CrmMcpServer } from '../mcp/server.js';
import { createToolDispatch } from '../mcp/tool-dispatch.js';
import { createToolSetCache } from '../mcp/tool-set.js';
import type { AccountStore } from '../store/account-store.js';
import { createFastCall } from './fast-call.js';
import { createSessions, type McpCall, type SessionLimits } from './mcp-sessions.js';
import { sendRpcError } from './respond.js';
import { MAX_BODY_BYTES, readBody, toWebRequest, writeWebResponse } from './web-bridge.js';

export interface McpEndpointOptions extends SessionLimits {
  engine: Engine;
  deps: Deps;
  accounts: Pick<AccountStore, 'get'>;
  stateful: boolean;
  jsonResponse: boolean;
  reconnectUrl?: string;
  reauth?: ReauthFlow;
  crmName?: (integration: string) => string | undefined;
}

export interface McpEndpoint {
  serve(req: IncomingMessage, res: ServerResponse, call: McpCall): Promise<void>;
  close(): Promise<void>;
  sessionCount(): number;
}

/** The call rides the SDK's pass-through authInfo into the per-request server factory. */
const CALL_KEY = 'crm-mcp.call';

export function createMcpEndpoint(opts: McpEndpointOptions): McpEndpoint {
  const log = opts.deps.logger.child({ component: 'http' });
  const toolSets = createToolSetCache(opts.engine);
  const fast = createFastCall({
    dispatch: createToolDispatch({ ...opts, toolSets }),
    legacyJson: opts.jsonResponse && !opts.stateful,
  });

  /** A server for `call`'s account; `current()` is the call whose response gets the rate-limit headers. */
  const build = async (first: McpCall, current: () => McpCall): Promise<CrmMcpServer> => {
    const crmName = opts.crmName?.(first.account.integration);
    // The access decision just read the account: the first tool call uses that read; later
    // calls (a session, a batch) read it again so a status change is seen.
    let justRead: LinkedAccount | undefined = first.account;
    return createServer({
      account: first.account,
      engine: opts.engine,
      deps: opts.deps,
      loadAccount: async () => {
        const a = justRead;
        justRead = undefined;
        return a ?? opts.accounts.get(first.principal.accountId);
      },
      ...(crmName ? { crmName } : {}),
      ...(opts.reconnectUrl ? { reconnectUrl: opts.reconnectUrl } : {}),
      ...(opts.reauth ? { reauth: opts.reauth } : {}),
      toolSets,
      onRateLimit: (info) => {
        current().rateLimit = info;
      },
    });
  };

  const modern = createMcpHandler(
    async ({ authInfo }) => {
      const call = authInfo?.extra?.[CALL_KEY] as McpCall | undefined;
      if (!call) throw new Error('MCP request without a decided caller');
      return (await build(call, () => call)).server;
    },
    { legacy: 'reject', maxRequestBodySize: MAX_BODY_BYTES, onerror: (err) => log.debug('mcp request rejected', { reason: err.message }) },
  );

  const write = (res: ServerResponse, response: Response, call: McpCall) =>
    writeWebResponse(res, response, call.rateLimit ? { ...rateLimitHeaders(call.rateLimit) } : {});

  const sessions = createSessions({ ...opts, log, build, write });

  return {
    async serve(req, res, call) {
      const read = await readBody(req);
      if (!read.ok) return sendRpcError(res, 413, 'Payload Too Large: the request body is over 4 MiB');
      const { body } = read;
      if (body !== undefined && (await fast.serve(req, res, body, call))) return;
      const request = toWebRequest(req, res, read);
      const parsed = body === undefined ? {} : { parsedBody: body };
      if (!(await isLegacyRequest(request, body, { maxRequestBodySize: MAX_BODY_BYTES }))) {
        const authInfo: AuthInfo = { token: call.principal.key, clientId: call.principal.key, scopes: [], extra: { [CALL_KEY]: call } };
        return write(res, await modern.fetch(request, { authInfo, ...parsed }), call);
      }
      if (opts.stateful) return sessions.serve(request, parsed, res, call);
      if (request.method !== 'POST') return sendRpcError(res, 405, 'Method not allowed: this server is stateless; use POST', { allow: 'POST' });
      const built = await build(call, () => call);
      const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: opts.jsonResponse });
      try {
        await built.server.connect(transport);
        await write(res, await transport.handleRequest(request, parsed), call);
      } finally {
        await transport.close().catch(() => {});
        await built.cleanup().catch(() => {});
      }
    },
    async close() {
      await sessions.close();
      await modern.close();
    },
    sessionCount: () => sessions.count(),
  };
}
