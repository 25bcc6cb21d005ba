/** Wire responses the HTTP layer writes itself (everything else is the MCP transport's). */
import { STATUS_CODES, type ServerResponse } from 'node:http';
import { errorOutcome } from '../core/error-table.js';
import type { AccessDecision } from './auth.js';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

/** JSON-RPC shaped error for MCP endpoints (id unknown at this layer). */
export function sendRpcError(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { jsonrpc: '2.0', error: { code: -32000, message }, id: null }, headers);
}

/** An error no handler answered: the status comes from the error table; the body names only the status, never the error. */
export function sendFailure(res: ServerResponse, err: unknown): void {
  const status = errorOutcome(err).http;
  sendRpcError(res, status, status === 500 ? 'Internal server error' : (STATUS_CODES[status] ?? 'Error'));
}

/** `resourceMetadata`: the RFC 9728 metadata URL every 401 names, so clients learn how to authenticate. */
export function sendAccessDenied(res: ServerResponse, d: Extract<AccessDecision, { ok: false }>, resourceMetadata: string): void {
  if (d.status === 401) {
    // RFC 6750 §3: no error attributes when the request carried no credentials.
    const base = `Bearer realm="crm-mcp", resource_metadata="${resourceMetadata}"`;
    const challenge = d.challengeOnly ? base : `${base}, error="invalid_token", error_description="${d.description}"`;
    sendJson(res, 401, { error: d.error, error_description: d.description }, { 'www-authenticate': challenge });
    return;
  }
  if (d.status === 403) {
    sendJson(res, 403, { error: d.error, error_description: d.description }, {
      'www-authenticate': `Bearer realm="crm-mcp", error="insufficient_scope", error_description="${d.description}"`,
    });
    return;
  }
  sendJson(res, d.status, { error: d.error, error_description: d.description });
}
