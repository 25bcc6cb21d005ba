import type { LinkedAccount } from '../../../src/accounts/model.js';
import type { Logger } from '../../../src/core/deps.js';
import type { TokenProvider } from '../../../src/tokens/types.js';

export const FIXED_NOW = Date.parse('2026-11-22T12:00:00.000Z');

export function silentLogger(lines: string[] = []): Logger {
  const l: Logger = {
    debug: (m, f) => void lines.push(`${m} ${JSON.stringify(f ?? {})}`),
    info: (m, f) => void lines.push(`${m} ${JSON.stringify(f ?? {})}`),
    warn: (m, f) => void lines.push(`${m} ${JSON.stringify(f ?? {})}`),
    error: (m, f) => void lines.push(`${m} ${JSON.stringify(f ?? {})}`),
    child: () => l,
  };
  return l;
}

export function account(integration: string, over: Partial<LinkedAccount> = {}): LinkedAccount {
  return {
    id: `acct-${integration}`,
    tenant_id: 't1',
    integration,
    environment: 'test',
    status: 'active',
    authentication_method: 'oauth2',
    context: { oauth: { token: { access_token: 'at-static-0001' } } },
    created_at: '2026-11-01T00:00:00.000Z',
    updated_at: '2026-11-01T00:00:00.000Z',
    version: 0,
    ...over,
  };
}

/** Hands out a fixed token and the account as given; counts calls. */
export function staticTokens(accounts: LinkedAccount[], token = 'at-static-0001'): TokenProvider & { calls: Array<{ id: string; force: boolean }> } {
  const calls: Array<{ id: string; force: boolean }> = [];
  return {
    calls,
    async getAccessToken(account, opts) {
      calls.push({ id: account.id, force: Boolean(opts?.forceRefresh) });
      const a = accounts.find((x) => x.id === account.id);
      if (!a) throw new Error(`no account ${account.id}`);
      return { accessToken: token, account: a };
    },
  };
}
