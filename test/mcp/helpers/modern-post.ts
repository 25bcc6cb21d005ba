/**
 * One raw 2026-07-28 request over HTTP (fetch, no SDK client): the `_meta` envelope and the
 * standard headers built here, the answer read whole, JSON or an SSE stream, into its JSON-RPC
 * messages in order. For tests that assert what travels on the wire.
 */
export interface ModernAnswer {
  status: number;
  contentType: string;
  /** The raw body. */
  text: string;
  /** Every JSON-RPC message of the answer, in order (one for a JSON body). */
  messages: Array<{ jsonrpc: '2.0'; id?: number | string; method?: string; params?: Record<string, unknown>; result?: Record<string, unknown>; error?: { code: number; message: string } }>;
}

export interface ModernCall {
  method: string;
  /** The tool name for tools/call (`Mcp-Name`). */
  name?: string;
  params?: Record<string, unknown>;
  capabilities?: Record<string, unknown>;
  /** `io.modelcontextprotocol/logLevel`; absent = the client asked for no log notifications. */
  logLevel?: string;
  headers?: Record<string, string>;
}

export async function modernPost(url: string, call: ModernCall): Promise<ModernAnswer> {
  const _meta = {
    'io.modelcontextprotocol/protocolVersion': '2026-07-28',
    'io.modelcontextprotocol/clientInfo': { name: 'raw-2026', version: '1' },
    'io.modelcontextprotocol/clientCapabilities': call.capabilities ?? {},
    ...(call.logLevel ? { 'io.modelcontextprotocol/logLevel': call.logLevel } : {}),
  };
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': call.method,
      ...(call.name ? { 'mcp-name': call.name } : {}),
      ...call.headers,
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: call.method, params: { ...(call.name ? { name: call.name } : {}), ...call.params, _meta } }),
  });
  const text = await res.text();
  const contentType = res.headers.get('content-type') ?? '';
  const messages = contentType.includes('text/event-stream')
    ? text
        .split(/\r?\n\r?\n/)
        .map((event) => event.split(/\r?\n/).filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n'))
        .filter((data) => data !== '')
        .map((data) => JSON.parse(data) as ModernAnswer['messages'][number])
    : text
      ? [JSON.parse(text) as ModernAnswer['messages'][number]]
      : [];
  return { status: res.status, contentType, text, messages };
}
