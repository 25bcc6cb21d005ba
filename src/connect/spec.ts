/**
 * The slice of an integration definition the connect flow reads. The operator runtime builds it
 * from the definition registry (after environment overrides); tests build it by hand against
 * the fake providers.
 */
import { checkOutboundUrl } from '../integrations/hosts.js';

export interface ContextCapture {
  /** Field of the token response (e.g. `instance_url`). */
  from: string;
  /** Key under the account's `context` (defaults to `from`). */
  to?: string;
  /** When set, the value must be an https URL (http on loopback for tests) whose host matches one. */
  hostPatterns?: string[];
  required?: boolean;
}

export interface OAuthConnectSpec {
  integration: string;
  authorizeUrl: string;
  tokenUrl: string;
  revokeUrl?: string;
  pkce: boolean;
  scopes: string[];
  scopeSeparator: string;
  /** How the client authenticates at the token endpoint. */
  clientAuth: 'client_secret_post' | 'client_secret_basic';
  /** Extra authorize query parameters (e.g. `access_type=offline`). */
  authorizeParams?: Record<string, string>;
  contextCapture: ContextCapture[];
  /** How expiry is known when the response has no `expires_in`: a fixed lifetime in seconds. */
  fixedLifetimeSeconds?: number;
  /** Deployment-level extra allowed hosts (test/dev only; also permit http). */
  extraAllowedHosts?: string[];
}

/**
 * The captured value as a URL when it passes the integration host policy (src/integrations/
 * hosts.ts): https and a host matching one of `patterns`, or one of the deployment's
 * `extraAllowed` hosts (test/dev only, which also permit plain http). Never carries userinfo.
 */
export function allowedUrl(value: unknown, patterns: readonly string[], extraAllowed: readonly string[] = []): URL | undefined {
  if (typeof value !== 'string') return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  return checkOutboundUrl(url, patterns, extraAllowed) === null ? url : undefined;
}
