/**
 * OAuth 2.0 Protected Resource Metadata (RFC 9728) for the MCP endpoints, so a client that gets a
 * 401 learns how to authenticate: every 401 names the metadata URL in `WWW-Authenticate`
 * (`resource_metadata`), and `GET /.well-known/oauth-protected-resource<path>` describes the
 * resource at `<path>`. Today access is by bearer tokens that `crm-mcp tokens create` issues (no
 * authorization server: `authorization_servers` lists the ones configured, none by default).
 */
import type { IncomingMessage } from 'node:http';

export const METADATA_PREFIX = '/.well-known/oauth-protected-resource';

/** The origin the client used: the configured public URL, else the (Host-checked) request's own. */
export function originOf(req: IncomingMessage, publicUrl: string | undefined): string {
  if (publicUrl) return new URL(publicUrl).origin;
  return `http://${req.headers.host ?? 'localhost'}`;
}

/** Where the metadata of the resource at `path` lives (RFC 9728 §3.1: inserted before the path). */
export function metadataUrl(origin: string, path: string): string {
  return `${origin}${METADATA_PREFIX}${path === '/' ? '' : path}`;
}

export function resourceMetadata(origin: string, path: string, authorizationServers: readonly string[]): Record<string, unknown> {
  return {
    resource: `${origin}${path}`,
    authorization_servers: [...authorizationServers],
    bearer_methods_supported: ['header'],
    resource_name: 'crm-mcp',
  };
}
