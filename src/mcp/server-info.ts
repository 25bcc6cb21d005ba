/**
 * What the server says about itself in `initialize`. Dependency-free on purpose: the stdio fast
 * path answers `initialize` from these constants before the SDK has loaded (stdio-fast-init.ts),
 * and createServer passes the same values to the SDK, so both answers are identical (tested).
 */
export const SERVER_INFO = { name: 'crm-mcp', version: '0.1.0', title: 'crm-mcp: unified CRM tools' } as const;

/**
 * As the SDK reports them once tools are registered. `logging`: tool calls send log notifications
 * (notices.ts). Resources and prompts: none, answered as empty lists (with cache hints on
 * 2026-07-28) rather than "method not found". No list changes are announced: a server's tool set
 * is fixed for its account's schema.
 */
export const SERVER_CAPABILITIES = {
  logging: {},
  tools: { listChanged: false },
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
