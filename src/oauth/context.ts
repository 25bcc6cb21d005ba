/**
 * Provider context carried by a token response (Salesforce `instance_url`, HubSpot `hub_id`),
 * checked the same way at connect and at refresh. A capture with host patterns takes only a URL
 * that passes the integration host policy (src/integrations/hosts.ts): https, no userinfo, a host
 * matching one of the patterns — or one of the deployment's extra allowed hosts (test/dev only),
 * which alone may be plain http. The caller decides what a refusal means: the connect flow
 * refuses the connection; a refresh keeps the context the account already has.
 */
import { checkOutboundUrl } from '../integrations/hosts.js';

export interface ContextCapture {
  /** Field of the token response (e.g. `instance_url`). */
  from: string;
  /** Key under the account's `context` (defaults to `from`). */
  to?: string;
  /** When set, the value must be a URL passing the host policy for these patterns. */
  hostPatterns?: string[];
  /** Connect refuses a response without it. */
  required?: boolean;
}

export interface CapturedContext {
  context: Record<string, unknown>;
  /** Required fields the response did not carry. */
  missing: string[];
  /** Values refused by the host policy; `reason` names the host or scheme, never a token. */
  refused: Array<{ field: string; reason: string }>;
}

export function captureContext(raw: Record<string, unknown>, captures: readonly ContextCapture[], extraAllowedHosts: readonly string[] = []): CapturedContext {
  const out: CapturedContext = { context: {}, missing: [], refused: [] };
  for (const cap of captures) {
    const field = cap.to ?? cap.from;
    const value = raw[cap.from];
    if (value === undefined || value === null || value === '') {
      if (cap.required) out.missing.push(cap.from);
      continue;
    }
    if (!cap.hostPatterns) {
      out.context[field] = value;
      continue;
    }
    const reason = urlProblem(value, cap.hostPatterns, extraAllowedHosts);
    if (reason) out.refused.push({ field, reason });
    else out.context[field] = String(value).replace(/\/+$/, '');
  }
  return out;
}

function urlProblem(value: unknown, patterns: readonly string[], extra: readonly string[]): string | null {
  if (typeof value !== 'string') return 'not a URL';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'not a URL';
  }
  return checkOutboundUrl(url, patterns, extra);
}
