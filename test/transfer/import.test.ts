import { describe, expect, it } from 'vitest';
import { exportAccounts } from '../../src/transfer/export.js';
import { importAccounts } from '../../src/transfer/import.js';
import { parseImportText } from '../../src/transfer/parse.js';
import { derivedAccountId } from '../../src/transfer/record.js';
import { memoryOperatorRuntime } from '../cli/helpers/operator-runtime.js';

const rec = (i: number, over: Record<string, unknown> = {}) => ({
  integration: 'hubspot',
  tenant_id: `t-${i}`,
  authentication_method: 'oauth2',
  context: { oauth: { token: { access_token: `at-KNOWN-${i}`, refresh_token: `rt-KNOWN-${i}`, expires_at: '2026-01-01T01:00:00Z', token_type: 'bearer' } } },
  ...over,
});

const ndjson = (rows: unknown[]) => rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n');

/** Everything in the store but the audit trail (which records each run). */
async function snapshot(rt: ReturnType<typeof memoryOperatorRuntime>) {
  const out: Record<string, string> = {};
  for await (const [k, v] of rt.kv.scan('')) if (!k.startsWith('audit:')) out[k] = v;
  return out;
}

describe('importAccounts', () => {
  const deps = (rt: ReturnType<typeof memoryOperatorRuntime>) => ({ accounts: rt.accounts, kv: rt.kv, clock: rt.clock, audit: rt.audit, actor: 'test', knownIntegration: (n: string) => n === 'hubspot' || n === 'salesforce' });

  it('imports valid records, reports bad ones by line, and a second run writes nothing', async () => {
    const rt = memoryOperatorRuntime();
    const rows: unknown[] = [
      rec(1),
      rec(2, { integration: undefined, integration_id: 'salesforce', context: { instance_url: 'https://acme.my.salesforce.com', oauth: { token: { access_token: 'at-sf', refresh_token: 'rt-sf', expires_at: 1767229200 } } } }),
      '{"broken json',
      rec(3, { tenant_id: '' }),
      rec(4, { integration: 'nope' }),
      rec(5, { context: { oauth: { token: { access_token: '****abcd' } } } }),
      rec(6, { authentication_method: 'oauth2', context: {} }),
      rec(1),
    ];
    const first = await importAccounts(deps(rt), parseImportText(ndjson(rows)));
    expect(first).toMatchObject({ records: 8, created: 2, updated: 0, unchanged: 0 });
    expect(first.invalid.map((i) => i.line)).toEqual([3, 4, 5, 6, 7, 8]);
    expect(first.invalid.find((i) => i.line === 4)!.error).toMatch(/tenant_id/);
    expect(first.invalid.find((i) => i.line === 5)!.error).toMatch(/unknown integration 'nope'/);
    expect(first.invalid.find((i) => i.line === 6)!.error).toMatch(/masked/);
    expect(first.invalid.find((i) => i.line === 7)!.error).toMatch(/context\.oauth\.token/);
    expect(first.invalid.find((i) => i.line === 8)!.error).toMatch(/already appears on line 1/);

    const sf = await rt.accounts.get(derivedAccountId('salesforce', 't-2', 'production', 'https://acme.my.salesforce.com'));
    expect(sf).toMatchObject({ integration: 'salesforce', status: 'active', context: { instance_url: 'https://acme.my.salesforce.com' } });
    expect(sf!.context.oauth!.token.expires_at).toBe('2026-01-01T01:00:00.000Z');

    const before = await snapshot(rt);
    const second = await importAccounts(deps(rt), parseImportText(ndjson(rows)));
    expect(second).toMatchObject({ created: 0, updated: 0, unchanged: 2 });
    expect(await snapshot(rt)).toEqual(before);
    expect(rt.auditLog.entries.at(-1)).toMatchObject({ operation: 'import', details: { created: 0, updated: 0, unchanged: 2 } });
  });

  it('keeps tokens refreshed since the last import when the record has not changed, and updates when it has', async () => {
    const rt = memoryOperatorRuntime();
    const text = ndjson([rec(1, { id: 'a1' })]);
    await importAccounts(deps(rt), parseImportText(text));
    await rt.accounts.update('a1', (a) => ({ ...a, context: { oauth: { token: { access_token: 'at-REFRESHED', refresh_token: 'rt-ROTATED' } } } }));
    const again = await importAccounts(deps(rt), parseImportText(text));
    expect(again.unchanged).toBe(1);
    expect((await rt.accounts.get('a1'))!.context.oauth!.token.refresh_token).toBe('rt-ROTATED');

    const changed = await importAccounts(deps(rt), parseImportText(ndjson([rec(1, { id: 'a1', context: { oauth: { token: { access_token: 'at-NEW', refresh_token: 'rt-NEW' } } } })])));
    expect(changed.updated).toBe(1);
    expect((await rt.accounts.get('a1'))!.context.oauth!.token.refresh_token).toBe('rt-NEW');
  });

  it('refuses to overwrite an account of another tenant that has the same id', async () => {
    const rt = memoryOperatorRuntime();
    await importAccounts(deps(rt), parseImportText(ndjson([rec(1, { id: 'same' })])));
    const res = await importAccounts(deps(rt), parseImportText(ndjson([rec(2, { id: 'same' })])));
    expect(res.invalid[0]).toMatchObject({ line: 1 });
    expect(res.invalid[0]!.error).toMatch(/another tenant/);
    expect((await rt.accounts.get('same'))!.tenant_id).toBe('t-1');
  });

  it('export → import into a fresh store gives the same accounts; masked export carries no secret', async () => {
    const src = memoryOperatorRuntime();
    const rows = Array.from({ length: 20 }, (_, i) => rec(i, i % 2 ? { integration: 'salesforce', context: { instance_url: `https://o${i}.my.salesforce.com`, oauth: { token: { access_token: `at-KNOWN-${i}`, refresh_token: `rt-KNOWN-${i}` } } } } : {}));
    await importAccounts(deps(src), parseImportText(JSON.stringify(rows)));
    const full = await exportAccounts({ accounts: src.accounts, audit: src.audit, actor: 't' }, { includeSecrets: true, handOff: false });
    const masked = await exportAccounts({ accounts: src.accounts, audit: src.audit, actor: 't' }, { includeSecrets: false, handOff: false });
    const maskedText = JSON.stringify(masked.records);
    for (let i = 0; i < 20; i++) {
      expect(maskedText).not.toContain(`at-KNOWN-${i}`);
      expect(maskedText).not.toContain(`rt-KNOWN-${i}`);
    }

    const dst = memoryOperatorRuntime();
    const res = await importAccounts(deps(dst), parseImportText(JSON.stringify(full.records, null, 2)));
    expect(res).toMatchObject({ created: 20, invalid: [] });
    const strip = (a: unknown) => {
      const { version: _v, updated_at: _u, ...rest } = a as Record<string, unknown>;
      return rest;
    };
    for await (const a of src.accounts.list()) expect(strip(await dst.accounts.get(a.id))).toEqual(strip(a));

    const maskedImport = await importAccounts(deps(memoryOperatorRuntime()), parseImportText(JSON.stringify(masked.records)));
    expect(maskedImport.created).toBe(0);
    expect(maskedImport.invalid).toHaveLength(20);
  });
});
