import type { LinkedAccount } from '../../../src/accounts/model.js';

export function testAccount(over: Partial<LinkedAccount> = {}): LinkedAccount {
  const now = '2026-01-01T00:00:00.000Z';
  return {
    id: 'acct-1',
    tenant_id: 'tenant-a',
    integration: 'hubspot',
    environment: 'production',
    status: 'active',
    authentication_method: 'oauth2',
    context: { oauth: { token: { access_token: 'at-SECRET-123456', refresh_token: 'rt-SECRET-abcdef' } } },
    created_at: now,
    updated_at: now,
    version: 1,
    ...over,
  };
}
