/** Builders for linked accounts in tests. */
import { LinkedAccountSchema, type LinkedAccount, type LinkedAccountInput } from '../../src/accounts/model.js';

export function makeAccount(id: string, over: Partial<LinkedAccountInput> = {}): LinkedAccount {
  return LinkedAccountSchema.parse({
    id,
    tenant_id: 'tenant-a',
    integration: 'hubspot',
    environment: 'production',
    status: 'active',
    authentication_method: 'oauth2',
    context: {
      oauth: {
        token: {
          access_token: `at-${id}-SECRETACCESS`,
          refresh_token: `rt-${id}-SECRETREFRESH`,
          expires_at: '2026-01-01T01:00:00.000Z',
          token_type: 'bearer',
        },
      },
      hub_id: 42,
    },
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
    ...over,
  });
}
