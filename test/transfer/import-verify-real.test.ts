/**
 * import --verify through the real token manager and engine: expired access tokens are
 * refreshed with a refresh_token grant at the provider, revoked grants end in needs_reauth with
 * the provider's reason (and one authentication_error webhook each), malformed lines reported.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWith as accounts } from '../../src/cli/commands/accounts.js';
import { buildOperatorRuntime } from '../../src/connect/compose.js';
import { cryptoRandom } from '../../src/core/deps.js';
import { silentLogger } from '../../src/core/logger.js';
import { loadRegistry, tokenEndpointSpec } from '../../src/integrations/index.js';
import { plainCodec } from '../../src/store/codec.js';
import { createAccountStore } from '../../src/store/kv-account-store.js';
import { createMemoryKv } from '../../src/store/memory-kv.js';
import { createTokenManager } from '../../src/tokens/manager.js';
import { captureIo, memoryAudit, testSealer } from '../cli/helpers/operator-runtime.js';
import { startMiniAuthz, type MiniAuthz } from '../connect/helpers/mini-authz.js';
import { manualClock } from '../http/helpers.js';

let p: MiniAuthz;
beforeAll(async () => {
  p = await startMiniAuthz('hubspot', { id: 'hub-client', secret: 'hub-secret-XYZ' });
});
afterAll(() => p.close());

describe('accounts import --verify with the real token manager', () => {
  it('1,000 records: refreshed → active, revoked → needs_reauth with reason, malformed by line; second run changes nothing', async () => {
    const clock = manualClock(Date.now());
    const kv = createMemoryKv(clock);
    const store = createAccountStore({ kv, codec: plainCodec, clock });
    const audit = memoryAudit(clock);
    const deps = { clock, random: cryptoRandom, logger: silentLogger };
    const registry = loadRegistry();
    const authErrors: string[] = [];
    const webhooks = { authenticationError: async (a: { id: string }) => void authErrors.push(a.id), reactivated: async () => {} };
    const tokens = createTokenManager({
      deps,
      store,
      kv,
      webhooks,
      audit,
      async resolveRefreshConfig() {
        const spec = tokenEndpointSpec(registry.get('hubspot'));
        return { tokenUrl: `${p.url}/token`, clientId: 'hub-client', clientSecret: 'hub-secret-XYZ', clientAuth: spec.clientAuth, expiry: { kind: 'expires_in' } };
      },
    });
    const rt = buildOperatorRuntime({
      kv, accounts: store, deps, sealer: testSealer, registry, tokens, audit, webhooks, env: {},
      envOverrides: { production: { hubspot: { base_url: p.url } } },
      extraAllowedHosts: ['127.0.0.1'],
      close: async () => {},
    });

    const lines: string[] = [];
    const malformed: number[] = [];
    let revoked = 0;
    const future = new Date(clock.now() + 3600e3).toISOString();
    const past = new Date(clock.now() - 3600e3).toISOString();
    for (let i = 0; i < 1000; i++) {
      if (i % 50 === 7) {
        malformed.push(i + 1);
        lines.push(i % 100 === 7 ? '{"tenant_id": "x", "broken' : JSON.stringify({ integration: 'hubspot', tenant_id: `t-${i}`, authentication_method: 'oauth2' }));
        continue;
      }
      const kind = i < 100 ? 'expired' : i < 130 ? 'revoked' : 'valid';
      if (kind === 'valid') p.validAccess.add(`at-R-${i}`);
      if (kind === 'revoked') {
        p.revoked.add(`rt-R-${i}`);
        revoked++;
      }
      lines.push(JSON.stringify({ integration: 'hubspot', tenant_id: `t-${i}`, authentication_method: 'oauth2', context: { oauth: { token: { access_token: `at-R-${i}`, refresh_token: `rt-R-${i}`, expires_at: kind === 'valid' ? future : past } } } }));
    }
    const file = join(await mkdtemp(join(tmpdir(), 'crm-real-import-')), 'in.ndjson');
    await writeFile(file, lines.join('\n'));

    const io = captureIo();
    expect(await accounts(['import', file, '--verify', '--concurrency', '16', '--json'], io, async () => rt)).toBe(1);
    const res = JSON.parse(io.stdoutText());
    expect(res.import.invalid.map((x: { line: number }) => x.line)).toEqual(malformed);
    expect(res.verify).toMatchObject({ active: 980 - revoked, needs_reauth: revoked, failed: 0 });
    for (const r of res.verify.accounts.filter((x: { result: string }) => x.result === 'needs_reauth')) expect(r.reason).toMatch(/invalid|revoked|expired/i);
    expect(await store.countByStatus()).toMatchObject({ active: 980 - revoked, needs_reauth: revoked });
    expect(authErrors).toHaveLength(revoked);
    expect(io.stdoutText() + io.stderrText() + JSON.stringify(audit.entries)).not.toMatch(/at-R-\d+|rt-R-\d+/);

    const snapshot = async () => {
      const out: Record<string, string> = {};
      for await (const [k, v] of kv.scan('acct:')) out[k] = v;
      return out;
    };
    const before = await snapshot();
    const io2 = captureIo();
    expect(await accounts(['import', file, '--verify', '--json'], io2, async () => rt)).toBe(1);
    expect(JSON.parse(io2.stdoutText())).toMatchObject({ import: { created: 0, updated: 0, unchanged: 980 }, verify: { active: 980 - revoked, needs_reauth: revoked } });
    expect(await snapshot()).toEqual(before);
    expect(authErrors).toHaveLength(revoked);
  });
});
