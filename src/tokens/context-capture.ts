/**
 * Provider context (Salesforce `instance_url`) carried by a refresh response. Only values whose
 * host matches the capture's allowed hosts are taken; anything else is reported and the
 * account keeps the context it has.
 */
import { hostAllowed, type ContextCapture } from '../oauth/refresh.js';

export function captureContext(raw: Record<string, unknown>, captures: readonly ContextCapture[]): { context: Record<string, unknown>; refused: Array<{ field: string; host: string }> } {
  const context: Record<string, unknown> = {};
  const refused: Array<{ field: string; host: string }> = [];
  for (const c of captures) {
    const v = raw[c.from];
    if (typeof v !== 'string') continue;
    let host: string;
    try {
      host = new URL(v).host;
    } catch {
      continue;
    }
    if (hostAllowed(host, c.allowedHosts)) context[c.field] = v;
    else refused.push({ field: c.field, host });
  }
  return { context, refused };
}
