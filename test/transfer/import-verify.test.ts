import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWith as accounts } from '../../src/cli/commands/accounts.js';
import { captureIo, memoryOperatorRuntime, type TestRuntime } from '../cli/helpers/operator-runtime.js';
import { startMiniAuthz, type MiniAuthz } from '../connect/helpers/mini-authz.js';
import { standInVerifier } from './helpers/standin-verifier.js';

let provider: MiniAuthz;
beforeAll(async () => {
  provider = await startMiniAuthz('hubspot', { id: 'hub-client', secret: 'hub-secret-XYZ' });
});
afterAll(() => provider.close());

/** 1,000 lines: ~850 valid, ~100 with expired access tokens, ~30 with revoked refresh tokens, 20 malformed (every 50th from line 8). */
function buildFile(p: MiniAuthz, nowIso: string, pastIso: string) {
  const lines: string[] = [];
  const malformed = new Set<number>();
  const revoked = new Set<string>();
  for (let i = 0; i < 1000; i++) {
    const kind = i % 50 === 7 ? 'malformed' : i < 100 ? 'expired' : i < 130 ? 'revoked' : 'valid';
    if (kind === 'malformed') {
      malformed.add(i + 1);
      lines.push(i % 100 === 7 ? `{"tenant_id": "t-${i}", "broken` : JSON.stringify({ integration: 'hubspot', tenant_id: `t-${i}`, authentication_method: 'oauth2', context: {} }));
      continue;
    }
    const at = `at-KNOWN-${i}`;
    if (kind === 'valid') p.validAccess.add(at);
    if (kind === 'revoked') {
      revoked.add(`t-${i}`);
      p.revoked.add(`rt-KNOWN-${i}`);
    }
    lines.push(JSON.stringify({ integration_id: 'hubspot', tenant_id: `t-${i}`, authentication_method: 'oauth2', context: { oauth: { token: { access_token: at, refresh_token: `rt-KNOWN-${i}`, expires_at: kind === 'valid' ? nowIso : pastIso, token_type: 'bearer' } } } }));
  }
  return { text: lines.join('\n') + '\n', malformed, revoked };
}

async function accountKeys(rt: TestRuntime) {
  const out: Record<string, string> = {};
  for await (const [k, v] of rt.kv.scan('')) if (k.startsWith('acct:') || k.startsWith('import-fp:')) out[k] = v;
  return out;
}

describe('accounts import --verify at 1,000 records', () => {
  it('valid and refreshed → active, revoked → needs_reauth with the reason, malformed by line; a second run changes nothing', async () => {
    const rt = memoryOperatorRuntime();
    (rt as { verifier: unknown }).verifier = standInVerifier(provider, rt.accounts, rt.clock);
    const valid = new Date(rt.clock.now() + 3600e3).toISOString();
    const past = new Date(rt.clock.now() - 3600e3).toISOString();
    const { text, malformed, revoked } = buildFile(provider, valid, past);
    const dir = await mkdtemp(join(tmpdir(), 'crm-import-'));
    const file = join(dir, 'accounts.ndjson');
    await writeFile(file, text);

    const io = captureIo({ stderrIsTty: true } as never);
    const code = await accounts(['import', file, '--verify', '--concurrency', '16', '--json'], io, async () => rt);
    expect(code).toBe(1);
    const res = JSON.parse(io.stdoutText());
    expect(res.import).toMatchObject({ records: 1000, created: 980, updated: 0, unchanged: 0 });
    expect(res.import.invalid.map((x: { line: number }) => x.line)).toEqual([...malformed].sort((a, b) => a - b));
    expect(revoked.size).toBeGreaterThan(20);
    expect(res.verify).toMatchObject({ active: 980 - revoked.size, needs_reauth: revoked.size, failed: 0 });
    const reauth = res.verify.accounts.filter((r: { result: string }) => r.result === 'needs_reauth');
    for (const r of reauth) expect(r.reason).toContain('refresh token is invalid, expired or revoked');
    expect(io.stderrText()).toContain('\rverifying [');
    expect(io.stderrText().trimEnd().split('\n').at(-1)).toBe('crm-mcp accounts import: 20 invalid record(s) (listed by line above)');

    const counts = await rt.accounts.countByStatus();
    expect(counts).toMatchObject({ active: 980 - revoked.size, needs_reauth: revoked.size });
    for (const a of await rt.accounts.listByStatus('needs_reauth')) {
      expect(revoked.has(a.tenant_id)).toBe(true);
      expect(a.last_error?.message).toContain('refresh token is invalid, expired or revoked');
    }
    const refreshed = (await rt.accounts.listByTenant('t-0'))[0]!;
    expect(refreshed.context.oauth!.token.access_token).not.toBe('at-KNOWN-0');

    const before = await accountKeys(rt);
    const tokenRequests = provider.tokenRequests;
    const io2 = captureIo();
    expect(await accounts(['import', file, '--verify', '--json'], io2, async () => rt)).toBe(1);
    const res2 = JSON.parse(io2.stdoutText());
    expect(res2.import).toMatchObject({ created: 0, updated: 0, unchanged: 980 });
    expect(res2.verify).toMatchObject({ active: 980 - revoked.size, needs_reauth: revoked.size });
    expect(io2.stderrText()).not.toContain('\r');
    expect(await accountKeys(rt)).toEqual(before);
    // Only the dead grants were tried again; the refreshed tokens are still valid.
    expect(provider.tokenRequests - tokenRequests).toBe(revoked.size);
  });
});
