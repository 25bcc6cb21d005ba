/**
 * Test-only TokenProvider that performs a real refresh_token grant over HTTP against a fake's
 * token endpoint (no mocked wire calls), driven by the definition's token-endpoint spec. It
 * is deliberately small: no locks, no scheduling — the real token manager lives in src/tokens.
 */
import { request, type Dispatcher } from 'undici';
import type { LinkedAccount } from '../../../src/accounts/model.js';
import { CrmMcpError } from '../../../src/core/errors.js';
import { checkOutboundUrl, classifyTokenErrorBody, contextCaptures, type Definition, tokenEndpointSpec } from '../../../src/integrations/index.js';
import type { TokenProvider } from '../../../src/tokens/types.js';

export interface RefreshingTokens extends TokenProvider {
  accounts: Map<string, LinkedAccount>;
  refreshes: number;
}

export function refreshingTokens(opts: {
  def: Definition;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  dispatcher: Dispatcher;
  extraAllowedHosts: string[];
  accounts: LinkedAccount[];
}): RefreshingTokens {
  const spec = tokenEndpointSpec(opts.def);
  const accounts = new Map(opts.accounts.map((a) => [a.id, a] as const));
  const self: RefreshingTokens = {
    accounts,
    refreshes: 0,
    async getAccessToken(id, o) {
      const acct = accounts.get(id);
      if (!acct) throw new CrmMcpError('account_not_found', `no account ${id}`);
      const token = acct.context.oauth?.token;
      if (!token) throw new CrmMcpError('needs_reauth', 'no token');
      if (!o?.forceRefresh || (o.rejectedToken && o.rejectedToken !== token.access_token)) return { accessToken: token.access_token, account: acct };
      if (!token.refresh_token) throw new CrmMcpError('needs_reauth', 'no refresh token');
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token.refresh_token, ...spec.refreshParams });
      const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
      if (spec.clientAuth === 'client_secret_basic') {
        headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(opts.clientId)}:${encodeURIComponent(opts.clientSecret)}`).toString('base64')}`;
      } else {
        form.set('client_id', opts.clientId);
        form.set('client_secret', opts.clientSecret);
      }
      self.refreshes += 1;
      const res = await request(opts.tokenUrl, { method: 'POST', headers, body: form.toString(), dispatcher: opts.dispatcher });
      const body = (await res.body.json().catch(() => ({}))) as Record<string, unknown>;
      const cls = classifyTokenErrorBody(spec.errorHints, res.statusCode, body);
      if (cls === 'revoked') throw new CrmMcpError('needs_reauth', 'refresh token rejected');
      if (res.statusCode !== 200 || typeof body.access_token !== 'string') throw new CrmMcpError('transient_auth', `token endpoint answered ${res.statusCode}`);
      const context: Record<string, unknown> = { ...acct.context };
      for (const c of contextCaptures(opts.def)) {
        const v = body[c.from];
        if (v === undefined) continue;
        if (c.host_patterns && (typeof v !== 'string' || checkOutboundUrl(new URL(v), c.host_patterns, opts.extraAllowedHosts))) {
          throw new CrmMcpError('host_not_allowed', `${c.from} from the token endpoint is outside the allowed hosts`);
        }
        context[c.to ?? c.from] = v;
      }
      const next: LinkedAccount = {
        ...acct,
        context: {
          ...context,
          oauth: {
            token: {
              ...token,
              access_token: body.access_token,
              ...(typeof body.refresh_token === 'string' ? { refresh_token: body.refresh_token } : {}),
            },
          },
        },
      };
      accounts.set(id, next);
      return { accessToken: body.access_token, account: next };
    },
  };
  return self;
}
