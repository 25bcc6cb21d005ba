/**
 * Regression: listings and masked exports masked context fields only by their *name*
 * (`token`, `secret`, …), so a field a definition marks secret under a plain name (here
 * `signing_salt`) was printed in clear by `accounts show/list` and `accounts export`.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LinkedAccount } from '../../src/accounts/model.js';
import { openOperatorRuntime } from '../../src/cli/open.js';
import { maskedAccount } from '../../src/cli/commands/accounts/masked.js';
import { exportAccounts } from '../../src/transfer/export.js';
import { writeConfigFile } from '../helpers/dist.js';

const SALT = 'salt-VALUE-that-must-not-show-9f3a';
const TOKEN = 'at-KNOWN-token-1234567890';

/** integrations/hubspot.json as `saltcrm`, capturing a secret `signing_salt`, in a definitions directory of its own. */
function saltcrmDefinitions(): string {
  const raw = JSON.parse(readFileSync(new URL('../../integrations/hubspot.json', import.meta.url), 'utf8')) as Record<string, unknown> & { auth: { context_capture?: unknown[] } };
  delete raw.$schema;
  const def = { ...raw, name: 'saltcrm', display_name: 'SaltCRM', auth: { ...raw.auth, context_capture: [...(raw.auth.context_capture ?? []), { from: 'signing_salt', required: false, secret: true }] } };
  const dir = mkdtempSync(join(tmpdir(), 'crm-defs-salt-'));
  writeFileSync(join(dir, 'saltcrm.json'), JSON.stringify(def));
  return dir;
}

const account: LinkedAccount = {
  id: 'acct-salt', tenant_id: 't1', integration: 'saltcrm', environment: 'production', status: 'active', authentication_method: 'oauth2',
  context: { oauth: { token: { access_token: TOKEN, refresh_token: 'rt-KNOWN-abcdefghijkl' } }, signing_salt: SALT, hub_id: 42 },
  created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z', version: 0,
};

describe('definition-marked secret context fields are masked wherever accounts are shown', () => {
  it('the operator runtime names them; show/list and a masked export hide them; --include-secrets keeps them', async () => {
    const config = writeConfigFile({ integrationsDir: saltcrmDefinitions() });
    const dataDir = mkdtempSync(join(tmpdir(), 'crm-salt-data-'));
    const rt = await openOperatorRuntime({ config, dataDir }, { stdout: () => {}, stderr: () => {}, env: {}, stdoutIsTty: false }, { create: true });
    const { accounts } = rt;
    await accounts.put(account);
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
    await rt.close();
  });
});
