/**
 * What `dry_run` shows of a built write request: method, URL, headers and body exactly as they
 * would be sent, minus the credential (the Authorization header, an API-key header or query
 * parameter). Pure.
 */
import type { LinkedAccount } from '../accounts/model.js';
import { apiKeyAuth } from '../integrations/accessors.js';
import type { Definition } from '../integrations/schema.js';
import type { BuiltRequest } from './request.js';
import type { DryRunRequest } from './types.js';

export function dryRunView(req: BuiltRequest, def: Definition, account: LinkedAccount, thenGet: boolean): DryRunRequest {
  const url = new URL(req.url);
  const headers: Record<string, string> = { ...req.headers };
  delete headers.authorization;
  const key = account.authentication_method === 'api_key' ? apiKeyAuth(def) : undefined;
  if (key?.in === 'header') delete headers[key.name.toLowerCase()];
  if (key && key.in !== 'header') url.searchParams.delete(key.name);
  let body: unknown;
  if (req.body !== undefined) {
    try {
      body = JSON.parse(req.body);
    } catch {
      body = req.body;
    }
  }
  return { method: req.method, url: url.toString(), headers, ...(body !== undefined ? { body } : {}), ...(thenGet ? { then_get: true } : {}) };
}
