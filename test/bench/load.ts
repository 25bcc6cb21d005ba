/**
 * The load generator: plain HTTP JSON-RPC (undici), the way any MCP client's wire looks — no SDK in
 * the loop. A 2025-era request is a bare `tools/call` POST with `MCP-Protocol-Version: 2025-11-25`
 * (stateless servers need no `initialize`); a 2026-07-28-era request carries the per-request
 * `_meta` envelope and the standard headers (`Mcp-Method`, `Mcp-Name`). Answers are read as JSON
 * or as an SSE stream, whichever the server sends. Each call resolves to the number of records
 * it got, so a wrong answer is a failure, never a fast call.
 */
import { Agent, request, type Dispatcher } from 'undici';
import { countFailure, round, since, type Failures } from './stats.js';

export const ERAS = ['2025-11-25', '2026-07-28'] as const;
export type Era = (typeof ERAS)[number];
export type Call = () => Promise<number>;

const CLIENT = { name: 'crm-mcp-bench', version: '1' };

/** One keep-alive pool per measured endpoint, sized for the highest concurrency. */
export const pool = (connections = 64): Agent => new Agent({ connections, pipelining: 1, keepAliveTimeout: 60_000 });

function rpc(era: Era, method: string, params: Record<string, unknown>, id: number, name?: string): { headers: Record<string, string>; body: string } {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': era };
  if (era === '2025-11-25') return { headers, body: JSON.stringify({ jsonrpc: '2.0', id, method, params }) };
  const _meta = { 'io.modelcontextprotocol/protocolVersion': era, 'io.modelcontextprotocol/clientInfo': CLIENT, 'io.modelcontextprotocol/clientCapabilities': {} };
  Object.assign(headers, { 'mcp-method': method }, name ? { 'mcp-name': name } : {});
  return { headers, body: JSON.stringify({ jsonrpc: '2.0', id, method, params: { ...params, _meta } }) };
}

interface RpcReply {
  result?: { isError?: boolean; structuredContent?: Record<string, unknown>; content?: Array<{ text?: string }> };
  error?: { code?: number; message?: string };
}

/** The JSON-RPC response of a JSON body or of an SSE stream (its last `data:` message carrying a result or error). */
export function parseReply(contentType: string, text: string): RpcReply {
  if (!contentType.includes('text/event-stream')) return JSON.parse(text) as RpcReply;
  let last: RpcReply | undefined;
  for (const line of text.split('\n')) {
    if (!line.startsWith('data:')) continue;
    const msg = JSON.parse(line.slice(5)) as RpcReply;
    if (msg.result !== undefined || msg.error !== undefined) last = msg;
  }
  if (!last) throw new Error('SSE stream without a response');
  return last;
}

/** How many records a tool result holds: a list's array, or 1 for a single record. */
export function recordsIn(structured: Record<string, unknown> | undefined): number {
  if (!structured) return 0;
  const list = Object.values(structured).find(Array.isArray);
  return Array.isArray(list) ? list.length : 1;
}

let nextId = 0;

export interface McpTarget {
  url: string;
  token?: string;
  era: Era;
  dispatcher: Dispatcher;
}

/** POSTs one JSON-RPC request; resolves to the raw answer (status, content type, body text). */
export async function post(t: McpTarget, method: string, params: Record<string, unknown>, name?: string): Promise<{ status: number; contentType: string; text: string }> {
  const { headers, body } = rpc(t.era, method, params, ++nextId, name);
  if (t.token) headers.authorization = `Bearer ${t.token}`;
  const res = await request(t.url, { method: 'POST', headers, body, dispatcher: t.dispatcher });
  return { status: res.statusCode, contentType: String(res.headers['content-type'] ?? ''), text: await res.body.text() };
}

/** `tools/call <tool>` as a Call: resolves to the records in structuredContent; a tool error or HTTP error throws. */
export function toolCall(t: McpTarget, tool: string, args: Record<string, unknown>): Call {
  return async () => {
    const r = await post(t, 'tools/call', { name: tool, arguments: args }, tool);
    const msg = r.status === 200 ? parseReply(r.contentType, r.text) : undefined;
    if (!msg?.result || msg.result.isError) throw new Error(`${tool}: HTTP ${r.status} ${JSON.stringify(msg?.error ?? msg?.result?.content?.[0]?.text ?? r.text.slice(0, 200))}`);
    return recordsIn(msg.result.structuredContent);
  };
}

/** Whether the server serves the 2026-07-28 era: one `server/discover` with the modern envelope. */
export async function servesModernEra(t: Omit<McpTarget, 'era'>): Promise<boolean> {
  try {
    const r = await post({ ...t, era: '2026-07-28' }, 'server/discover', {});
    return r.status === 200 && parseReply(r.contentType, r.text).result !== undefined;
  } catch {
    return false;
  }
}

/** How the server frames its answer to a `tools/call` (JSON body, or an SSE stream). */
export async function framingOf(t: McpTarget, tool: string, args: Record<string, unknown>): Promise<'json' | 'sse'> {
  const r = await post(t, 'tools/call', { name: tool, arguments: args }, tool);
  return r.contentType.includes('text/event-stream') ? 'sse' : 'json';
}

/** A plain HTTP request as a Call (the bare-http floor, the provider called directly). */
export function httpCall(url: string, o: { method: 'GET' | 'POST'; headers?: Record<string, string>; body?: string; dispatcher: Dispatcher; count: (text: string, contentType: string) => number }): Call {
  return async () => {
    const res = await request(url, { method: o.method, headers: o.headers, body: o.body, dispatcher: o.dispatcher });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode} ${text.slice(0, 200)}`);
    return o.count(text, String(res.headers['content-type'] ?? ''));
  };
}

export interface LoopResult {
  /** ms of each successful call. */
  times: number[];
  calls: number;
  seconds: number;
  failures: Failures;
}

/**
 * `concurrency` closed-loop workers calling for `ms` (at least one call each); a call that returns
 * another record count than `expect` counts as a failure.
 */
export async function closedLoop(call: Call, concurrency: number, ms: number, expect: number): Promise<LoopResult> {
  const times: number[] = [];
  const failures: Failures = {};
  const t0 = performance.now();
  const end = t0 + ms;
  const worker = async () => {
    for (let first = true; first || performance.now() < end; first = false) {
      const s = performance.now();
      try {
        const n = await call();
        if (n !== expect) throw new Error(`expected ${expect} records, got ${n}`);
        times.push(since(s));
      } catch (e) {
        countFailure(failures, e);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { times, calls: times.length, seconds: round(since(t0) / 1000), failures };
}
