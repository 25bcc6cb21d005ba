/**
 * The fast path in front of the SDK for the common request: one `tools/call` of a unified tool on
 * an active account, as a 2026-07-28 request or a 2025-era stateless POST answered with plain
 * JSON. It runs the tool through the per-schema dispatch (src/mcp/tool-dispatch.ts) and writes the
 * JSON-RPC response once, straight to the socket, with the status, headers and result the SDK path
 * gives (checked by test/http/fast-path.test.ts against the SDK path).
 *
 * It takes a request only when the SDK would serve it without a question: anything else — another
 * method, a batch, a notification, an envelope key beyond the three a plain call carries (logLevel,
 * progress, requestState…), a header that does not match exactly, a session, an account not
 * `active`, describe_crm or an unknown tool, arguments the SDK would reject — is declined before
 * anything is written, and the caller serves it through the SDK as before.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { classifyInboundRequest, isJsonContentType, type CallToolResult } from '@modelcontextprotocol/server';
import { rateLimitHeaders } from '../mcp/results.js';
import { SERVER_INFO } from '../mcp/server-info.js';
import type { ToolDispatch } from '../mcp/tool-dispatch.js';
import type { McpCall } from './mcp-sessions.js';
import { abortOnClose } from './web-bridge.js';

export interface FastCallOptions {
  dispatch: ToolDispatch;
  /** 2025-era POSTs are taken only when the SDK path would answer them with plain JSON and no session. */
  legacyJson: boolean;
}

const MODERN = '2026-07-28';
const LEGACY = new Set(['2025-11-25', '2025-06-18', '2025-03-26']);
const ENVELOPE = new Set(['io.modelcontextprotocol/protocolVersion', 'io.modelcontextprotocol/clientInfo', 'io.modelcontextprotocol/clientCapabilities']);
const SERVER_INFO_KEY = 'io.modelcontextprotocol/serverInfo';

type Era = 'modern' | 'legacy';
interface Taken {
  era: Era;
  id: string | number;
  name: string;
  args: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const header = (h: IncomingHttpHeaders, name: string): string | undefined => {
  const v = h[name];
  return typeof v === 'string' ? v : undefined;
};
const onlyKeys = (o: Record<string, unknown>, allowed: ReadonlySet<string>): boolean => Object.keys(o).every((k) => allowed.has(k));

const MESSAGE_KEYS = new Set(['jsonrpc', 'id', 'method', 'params']);
const PARAM_KEYS = new Set(['name', 'arguments', '_meta']);

/** The call this path takes, or undefined to leave the request to the SDK. Reads nothing but `body` and the headers. */
function take(req: IncomingMessage, body: unknown, legacyJson: boolean): Taken | undefined {
  if (req.method !== 'POST' || !isJsonContentType(header(req.headers, 'content-type'))) return undefined;
  if (!isObject(body) || body.jsonrpc !== '2.0' || body.method !== 'tools/call' || !onlyKeys(body, MESSAGE_KEYS)) return undefined;
  const { id, params } = body;
  if ((typeof id !== 'string' && typeof id !== 'number') || !isObject(params) || !onlyKeys(params, PARAM_KEYS)) return undefined;
  const { name, arguments: args, _meta } = params;
  if (typeof name !== 'string' || (args !== undefined && !isObject(args))) return undefined;
  const version = header(req.headers, 'mcp-protocol-version');
  const route = classifyInboundRequest({
    httpMethod: 'POST',
    ...(version !== undefined ? { protocolVersionHeader: version } : {}),
    ...(header(req.headers, 'mcp-method') !== undefined ? { mcpMethodHeader: header(req.headers, 'mcp-method')! } : {}),
    ...(header(req.headers, 'mcp-name') !== undefined ? { mcpNameHeader: header(req.headers, 'mcp-name')! } : {}),
    body,
  });
  if (route.kind === 'modern') {
    if (route.messageKind !== 'request' || route.classification.revision !== MODERN || version !== MODERN) return undefined;
    if (header(req.headers, 'mcp-method') !== 'tools/call' || header(req.headers, 'mcp-name') !== name) return undefined;
    if (!isObject(_meta) || !onlyKeys(_meta, ENVELOPE)) return undefined;
    return { era: 'modern', id, name, args };
  }
  if (route.kind !== 'legacy' || !legacyJson || _meta !== undefined || version === undefined || !LEGACY.has(version)) return undefined;
  if (req.headers['mcp-session-id'] !== undefined || req.headers['mcp-method'] !== undefined || req.headers['mcp-name'] !== undefined) return undefined;
  const accept = header(req.headers, 'accept');
  if (!accept?.includes('application/json') || !accept.includes('text/event-stream')) return undefined;
  return { era: 'legacy', id, name, args };
}

/** As the SDK's 2026-07-28 encoding stamps a tools/call result: the result type and the server's identity. */
function modernResult(result: CallToolResult): Record<string, unknown> {
  const meta = result._meta;
  const stamped = meta === undefined ? { [SERVER_INFO_KEY]: SERVER_INFO } : isObject(meta) && meta[SERVER_INFO_KEY] === undefined ? { ...meta, [SERVER_INFO_KEY]: SERVER_INFO } : meta;
  return { ...result, _meta: stamped, resultType: 'complete' };
}

export interface FastCall {
  /** True when the request was answered here; false (nothing written, body untouched) to use the SDK path. */
  serve(req: IncomingMessage, res: ServerResponse, body: unknown, call: McpCall): Promise<boolean>;
}

export function createFastCall(opts: FastCallOptions): FastCall {
  return {
    async serve(req, res, body, call) {
      if (call.account.status !== 'active') return false;
      const taken = take(req, body, opts.legacyJson);
      if (!taken) return false;
      // A tool set that cannot be resolved is the SDK path's to answer (its factory error), as before.
      const prepared = await opts.dispatch.prepare(call.account, taken.name, taken.args).catch(() => undefined);
      if (!prepared) return false;
      const result = await prepared.run({
        account: call.account,
        onRateLimit: (info) => (call.rateLimit = info),
        signal: abortOnClose(res),
      });
      // Encoded once: the length and the bytes written come from the same buffer.
      const wire = Buffer.from(JSON.stringify({ result: taken.era === 'modern' ? modernResult(result) : result, jsonrpc: '2.0', id: taken.id }));
      if (res.destroyed) return true;
      res.writeHead(200, {
        'content-type': 'application/json',
        ...(call.rateLimit ? rateLimitHeaders(call.rateLimit) : {}),
        'content-length': String(wire.length),
      });
      res.end(wire);
      return true;
    },
  };
}
