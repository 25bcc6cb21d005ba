/**
 * MCP log notifications for what an agent's operator wants to see during a tool call: the
 * account needs re-authorization (error), the CRM's rate limit is below 10 % remaining (warning),
 * the access token was refreshed on demand during the call (info; the fact only, never a token
 * value). Sent through
 * the request's own channel (`ctx.mcpReq.log`), so the SDK applies the level the client chose
 * (`logging/setLevel` on a 2025-era session; the per-request `logLevel` envelope key on
 * 2026-07-28, where no key means no notifications). Where the transport cannot carry a
 * notification (2025-era plain-JSON HTTP answers) it is dropped; the same facts are in the
 * result either way.
 */
import type { ServerContext } from '@modelcontextprotocol/server';
import type { RateLimitInfo } from '../engine/types.js';

const LOGGER = 'crm-mcp';

export function rateLimitLow(info: RateLimitInfo | null | undefined): boolean {
  return info?.limit != null && info.limit > 0 && info.remaining != null && info.remaining / info.limit < 0.1;
}

/** The call's access token was refreshed on demand: said at `info`, never with a token value. */
export function tokenRefreshedNotice(call: ServerContext | undefined, accountId: string, tool: string): void {
  notice(call, 'info', { event: 'token_refreshed', account_id: accountId, tool, message: 'the access token was refreshed' });
}

/** Fire-and-forget: a notice never delays or fails the call. */
export function notice(call: ServerContext | undefined, level: 'info' | 'warning' | 'error', data: Record<string, unknown>): void {
  if (!call) return;
  void call.mcpReq.log(level, data, LOGGER).catch(() => {});
}
