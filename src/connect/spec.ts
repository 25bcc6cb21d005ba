/**
 * The slice of an integration definition the connect flow reads. The operator runtime builds it
 * from the definition registry (after environment overrides); tests build it by hand against
 * the fake providers.
 */
import type { ClientAuthMethod } from '../oauth/client-auth.js';
import type { ContextCapture } from '../oauth/context.js';

export type { ContextCapture };

export interface OAuthConnectSpec {
  integration: string;
  /** Shown on the link page (e.g. 'HubSpot'); the integration name when absent. */
  displayName?: string;
  authorizeUrl: string;
  tokenUrl: string;
  revokeUrl?: string;
  pkce: boolean;
  scopes: string[];
  scopeSeparator: string;
  /** How the client authenticates at the token endpoint. */
  clientAuth: ClientAuthMethod;
  /** Extra authorize query parameters (e.g. `access_type=offline`). */
  authorizeParams?: Record<string, string>;
  contextCapture: ContextCapture[];
  /** How expiry is known when the response has no `expires_in`: a fixed lifetime in seconds. */
  fixedLifetimeSeconds?: number;
  /** The operator's loopback `insecureHosts` (src/integrations/hosts.ts), for the context the code exchange captures. */
  extraAllowedHosts?: string[];
}
