/**
 * Who is calling and which linked account they may reach. Tokens mode: a bearer MCP access
 * token bound to (tenant, account). No-auth mode: exactly one account, loopback only.
 * Returns data; the HTTP layer turns failures into 401/403 (see respond.ts).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { LinkedAccount } from '../accounts/model.js';
import type { AccessTokenStore } from '../access-tokens/store.js';
import type { AccountStore } from '../store/account-store.js';

export type AuthMode = { mode: 'tokens'; tokens: AccessTokenStore } | { mode: 'none'; accountId: string };

export interface Principal {
  /** Stable key a stateful session is bound to. */
  key: string;
  tenantId: string | null;
  accountId: string;
}

export type AccessDecision =
  | { ok: true; principal: Principal; account: LinkedAccount }
  | { ok: false; status: 401; error: 'invalid_token'; description: string; challengeOnly?: boolean }
  | { ok: false; status: 403; error: 'insufficient_scope' | 'forbidden'; description: string }
  | { ok: false; status: 404; error: 'not_found'; description: string };

function bearer(headers: IncomingHttpHeaders): string | undefined {
  const h = headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m?.[1];
}

/**
 * `requestedAccountId` is the account named in the URL (`/accounts/<id>/mcp`), or undefined for
 * `/mcp` (the token's own account).
 */
export async function decideAccess(
  auth: AuthMode,
  accounts: Pick<AccountStore, 'get'>,
  headers: IncomingHttpHeaders,
  requestedAccountId: string | undefined,
): Promise<AccessDecision> {
  if (auth.mode === 'none') {
    if (requestedAccountId !== undefined && requestedAccountId !== auth.accountId) {
      return { ok: false, status: 404, error: 'not_found', description: 'this server serves one account' };
    }
    const account = await accounts.get(auth.accountId);
    if (!account) return { ok: false, status: 404, error: 'not_found', description: `account '${auth.accountId}' not found` };
    return { ok: true, principal: { key: 'none', tenantId: account.tenant_id, accountId: account.id }, account };
  }
  const token = bearer(headers);
  if (!token) return { ok: false, status: 401, error: 'invalid_token', description: 'missing bearer token', challengeOnly: true };
  const v = await auth.tokens.verify(token);
  if (!v.ok) {
    const why = { malformed: 'malformed token', unknown: 'unknown token', revoked: 'token revoked', expired: 'token expired' }[v.reason];
    return { ok: false, status: 401, error: 'invalid_token', description: why };
  }
  const t = v.token;
  const targetId = requestedAccountId ?? t.account_id;
  if (targetId !== t.account_id) {
    return { ok: false, status: 403, error: 'insufficient_scope', description: 'token does not grant access to this account' };
  }
  const account = await accounts.get(targetId);
  // A token whose account moved to another tenant (or vanished) reaches nothing.
  if (!account || account.tenant_id !== t.tenant_id) {
    return { ok: false, status: 403, error: 'insufficient_scope', description: 'token does not grant access to this account' };
  }
  return { ok: true, principal: { key: `token:${t.id}`, tenantId: t.tenant_id, accountId: account.id }, account };
}
