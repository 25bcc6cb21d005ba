/** What the server says about itself (`initialize`, `server/discover`), as createServer passes it to the SDK. */
export const SERVER_INFO = { name: 'crm-mcp', version: '0.1.0', title: 'crm-mcp: unified CRM tools' } as const;

/**
 * As the SDK reports them once tools are registered. `logging`: tool calls send log notifications
 * (notices.ts). Resources and prompts: none, answered as empty lists (with cache hints on
 * 2026-07-28) rather than "method not found". Tools: a 2025-era session is told
 * `tools/list_changed` when its account's schemas change (an override edit, a discovered stage list);
 * 2026-07-28 clients re-list when the list's cache hint expires.
 */
export const SERVER_CAPABILITIES = {
  logging: {},
  tools: { listChanged: true },
  resources: { listChanged: false },
  prompts: { listChanged: false },
} as const;

export const SERVER_INSTRUCTIONS =
  "Tools for one customer's connected CRM (the tool descriptions name it). Results carry the CRM's rate limit " +
  '(structuredContent.rate_limit; _meta ratelimit and ratelimit-policy as IETF fields, every policy); on a rate_limited error wait retry_after_seconds before calling again. ' +
  'Lists are paged: pass next_cursor back as cursor.';

/** Must equal the SDK's SUPPORTED_PROTOCOL_VERSIONS (a test checks), newest first. */
export const SUPPORTED_PROTOCOL_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05', '2024-10-07'] as const;

export function negotiateProtocolVersion(requested: unknown): string {
  return (SUPPORTED_PROTOCOL_VERSIONS as readonly unknown[]).includes(requested) ? (requested as string) : SUPPORTED_PROTOCOL_VERSIONS[0];
}
