/**
 * Regression: listings and masked exports masked context fields only by their *name*
 * (`token`, `secret`, …), so a field a definition marks secret under a plain name (here
 * `signing_salt`) was printed in clear by `accounts show/list` and `accounts export`.
 */
import { describe, expect, it } from 'vitest';
import type { LinkedAccount } from '../../src/accounts/model.js';
import { maskedAccount } from '../../src/connect/cli/accounts.js';
import { buildOperatorRuntime } from '../../src/connect/compose.js';
import { createAuditTrail } from '../../src/audit/log.js';
import { createRegistry, parseDefinition, loadRegistry } from '../../src/integrations/index.js';
import { exportAccounts } from '../../src/transfer/export.js';
import { plainCodec } from '../../src/store/codec.js';
import { createAccountStore } from '../../src/store/kv-account-store.js';
import { createMemoryKv } from '../../src/store/memory-kv.js';
import { createMemoryLogger } from '../../src/core/logger.js';
import { cryptoRandom, systemClock } from '../../src/core/deps.js';

const SALT = 'salt-VALUE-that-must-not-show-9f3a';
const TOKEN = 'at-KNOWN-token-1234567890';

function withSecretCapture() {
  const hs = loadRegistry().get('hubspot');
  const auth = hs.auth.type === 'oauth2' ? { ...hs.auth, context_capture: [...hs.auth.context_capture, { from: 'signing_salt', required: false, secret: true }] } : hs.auth;
  return parseDefinition({ ...hs, name: 'saltcrm', display_name: 'SaltCRM', auth }, 'test:saltcrm');
}

const account: LinkedAccount = {
  id: 'acct-salt', tenant_id: 't1', integration: 'saltcrm', environment: 'production', status: 'active', authentication_method: 'oauth2',
  context: { oauth: { token: { access_token: TOKEN, refresh_token: 'rt-KNOWN-abcdefghijkl' } }, signing_salt: SALT, hub_id: 42 },
  created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z', version: 0,
};

describe('definition-marked secret context fields are masked wherever accounts are shown', () => {
  it('the operator runtime names them; show/list and a masked export hide them; --include-secrets keeps them', async () => {
    const kv = createMemoryKv();
    const accounts = createAccountStore({ kv, codec: plainCodec, clock: systemClock });
    await accounts.put(account);
    const deps = { clock: systemClock, random: cryptoRandom, logger: createMemoryLogger() };
    const rt = buildOperatorRuntime({
      kv, accounts, deps, sealer: { seal: (_p, s) => s, open: (_p, s) => ({ plaintext: s }) }, registry: createRegistry([withSecretCapture()]), tokens: { getAccessToken: async () => { throw new Error('unused'); } },
      audit: createAuditTrail({ kv, clock: systemClock, random: cryptoRandom }) as never, webhooks: { authenticationError: async () => {}, reactivated: async () => {} } as never, env: {}, close: async () => {},
    });
    const fields = rt.integration('saltcrm')?.secretContextFields;
    expect(fields).toEqual(['signing_salt']);

    const shown = JSON.stringify(maskedAccount(account, fields));
    expect(shown).not.toContain(SALT);
    expect(shown).not.toContain(TOKEN);
    expect(shown).toContain('"hub_id":42');

    const deps2 = { accounts, audit: rt.audit, actor: 't', secretContextFields: (i: string) => rt.integration(i)?.secretContextFields ?? [] };
    const masked = JSON.stringify(await exportAccounts(deps2, { includeSecrets: false, handOff: false }));
    expect(masked).not.toContain(SALT);
    expect(masked).not.toContain(TOKEN);
    const full = JSON.stringify(await exportAccounts(deps2, { includeSecrets: true, handOff: false }));
    expect(full).toContain(SALT);
    expect(full).toContain(TOKEN);
  });
});
