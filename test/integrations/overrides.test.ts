import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrmMcpError } from '../../src/core/errors.js';
import { deepMerge, loadRegistry, overrideProblem, resolveDefinition, validateOverride } from '../../src/integrations/index.js';
import { accounts } from '../cli/helpers/cli.js';
import { captureIo } from '../cli/helpers/operator-runtime.js';
import { ENVIRONMENT, startSandboxStack } from '../connect/helpers/sandbox-stack.js';
import { startSandboxRig, type SandboxRig } from '../engine/helpers/sandbox-rig.js';

const registry = loadRegistry();
const sf = registry.get('salesforce');
const TIER = { contacts: { custom_fields: { tier: { field: 'Custom_Tier__c', expr: 'Custom_Tier__c' } } } };

function err(fn: () => unknown): CrmMcpError {
  try {
    fn();
  } catch (e) {
    if (e instanceof CrmMcpError) return e;
    throw e;
  }
  throw new Error('expected an error');
}

describe('override validation (when saved)', () => {
  it('a JSONata syntax error is rejected with the field path', () => {
    const e = err(() => validateOverride(sf, { unified_model_override: { contacts: { mapping: "{ 'id': Id " } } }));
    expect(e.code).toBe('override_invalid');
    expect(e.message).toContain('resources.contacts.mapping');
    expect(e.message).toMatch(/JSONata syntax error/);
    const e2 = err(() => validateOverride(sf, { unified_model_override: { contacts: { custom_fields: { tier: { expr: 'Custom_Tier__c +' } } } } }));
    expect(e2.message).toContain('resources.contacts.custom_fields.tier.expr');
  });

  it('a schema error is rejected with the field path', () => {
    const e = err(() => validateOverride(sf, { integration_override: { resources: { deals: { list: { method: 'FETCH' } } } } }));
    expect(e.code).toBe('override_invalid');
    expect(e.message).toContain('resources.deals.list.method');
  });

  it('an account may not redirect where tokens go (auth, base_url, allowed_hosts)', () => {
    for (const key of ['base_url', 'allowed_hosts', 'auth']) {
      const e = err(() => validateOverride(sf, { integration_override: { [key]: key === 'allowed_hosts' ? ['evil.example'] : 'x' } }));
      expect(e.code).toBe('override_invalid');
      expect(e.message).toContain(key);
    }
  });

  it('a valid override returns the merged definition; the platform definition is untouched', () => {
    const merged = validateOverride(sf, { unified_model_override: TIER });
    expect(merged.resources.contacts?.custom_fields?.tier?.field).toBe('Custom_Tier__c');
    expect(sf.resources.contacts?.custom_fields).toBeUndefined();
  });

  it('deep merge: objects merge, arrays and scalars replace, later wins, prototype keys ignored', () => {
    expect(deepMerge({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, d: 2 })).toEqual({ a: { b: 1, c: [3] }, d: 2 });
    const polluted = deepMerge({}, JSON.parse('{"__proto__": {"x": 1}}')) as Record<string, unknown>;
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(Object.keys(polluted)).toEqual([]);
    const env = { vars: { api_version: 'v61.0' } };
    const r = resolveDefinition(sf, env, { unified_model_override: TIER });
    expect(r.vars.api_version).toBe('v61.0');
    expect(r.resources.contacts?.custom_fields?.tier).toBeDefined();
  });
});

describe('saving overrides through import', () => {
  it('crm-mcp accounts import: a record whose override has a JSONata syntax error is rejected by line with the field; nothing of it is stored; a valid one is', async () => {
    const cleanups: Array<() => Promise<void>> = [];
    try {
      const { s } = await startSandboxStack(cleanups);
      const rec = (tenant: string, unified_model_override: unknown) =>
        JSON.stringify({ integration: 'salesforce', tenant_id: tenant, environment: ENVIRONMENT, authentication_method: 'oauth2', context: { instance_url: 'https://acme.my.salesforce.com', oauth: { token: { access_token: `at-${tenant}`, refresh_token: `rt-${tenant}` } } }, unified_model_override });
      const file = join(await mkdtemp(join(tmpdir(), 'override-import-')), 'in.ndjson');
      await writeFile(file, [rec('good', TIER), rec('bad', { contacts: { mapping: "{ 'id': Id " } }), rec('bad2', { contacts: { custom_fields: { tier: { expr: 'Custom_Tier__c +' } } } })].join('\n'));
      const io = captureIo();
      expect(await accounts(['import', file, '--json'], io, async () => s.rt)).toBe(1);
      expect(io.stderrText()).toMatch(/line 2: .*resources\.contacts\.mapping: JSONata syntax error/);
      expect(io.stderrText()).toMatch(/line 3: .*resources\.contacts\.custom_fields\.tier\.expr: JSONata syntax error/);
      const stored = [];
      for await (const a of s.rt.accounts.list()) stored.push(a);
      expect(stored.map((a) => a.tenant_id)).toEqual(['good']);
      expect(stored[0]?.unified_model_override).toEqual(TIER);
    } finally {
      for (const c of cleanups.reverse()) await c();
    }
  });

  it('crm-mcp accounts import: an override that breaks a bound on a sample record ($pad to 200,000,000) is refused with its field; a data-dependent one passes the sample and is bounded at run time', async () => {
    const cleanups: Array<() => Promise<void>> = [];
    try {
      const { s } = await startSandboxStack(cleanups);
      const rec = (tenant: string, expr: string) =>
        JSON.stringify({
          integration: 'hubspot', tenant_id: tenant, environment: ENVIRONMENT, authentication_method: 'oauth2',
          context: { oauth: { token: { access_token: `at-${tenant}`, refresh_token: `rt-${tenant}` } } },
          unified_model_override: { contacts: { custom_fields: { x: { expr } } } },
        });
      const file = join(await mkdtemp(join(tmpdir(), 'override-import-')), 'in.ndjson');
      await writeFile(file, [
        rec('pad', '$pad(properties.firstname, 200000000)'),
        rec('len', '$length($pad(properties.firstname, 200000000))'),
        rec('data-dependent', '$length(properties.firstname) > 30 ? $pad(properties.firstname, 200000000) : properties.firstname'),
      ].join('\n'));
      const io = captureIo();
      expect(await accounts(['import', file, '--json'], io, async () => s.rt)).toBe(1);
      expect(io.stderrText()).toMatch(/line 1: resources\.contacts\.custom_fields\.x\.expr: expression exceeded its evaluation bound \(\$pad to 200000000 characters/);
      expect(io.stderrText()).toMatch(/line 2: resources\.contacts\.custom_fields\.x\.expr: expression exceeded its evaluation bound/);
      const stored = [];
      for await (const a of s.rt.accounts.list()) stored.push(a.tenant_id);
      expect(stored).toEqual(['data-dependent']);
    } finally {
      for (const c of cleanups.reverse()) await c();
    }
  });

  it('overrideProblem: undefined for valid, absent or unknown-integration overrides; the reason otherwise', async () => {
    expect(await overrideProblem(registry, { integration: 'salesforce', unified_model_override: TIER })).toBeUndefined();
    expect(await overrideProblem(registry, { integration: 'salesforce' })).toBeUndefined();
    expect(await overrideProblem(registry, { integration: 'nope', unified_model_override: { x: 1 } })).toBeUndefined();
    expect(await overrideProblem(registry, { integration: 'salesforce', integration_override: { base_url: 'https://evil.example' } })).toMatch(/integration_override\.base_url: may not be overridden per account/);
  });
});

describe('an override that reached the store without validation (e.g. an old import)', () => {
  let rig: SandboxRig;
  beforeAll(async () => {
    rig = await startSandboxRig({ sandboxes: { salesforce: { seed: { contacts: 3 } }, hubspot: { seed: { contacts: 3 } } } });
    await rig.addAccount('salesforce', { id: 'sf-broken', unified_model_override: { contacts: { mapping: "{ 'id': Id " } } });
    await rig.addAccount('salesforce', { id: 'sf-fine' });
  });
  afterAll(() => rig.close());

  it('fails only that account\'s calls with the field path, sends nothing, and leaves the account as stored', async () => {
    const before = rig.sb.salesforce.log.entries.length;
    const r = await rig.run('sf-broken', { resource: 'contacts', method: 'list' });
    expect(r).toMatchObject({ ok: false, error: { code: 'mapping_failed' }, provider_requests: 0 });
    if (!r.ok) expect(r.error.message).toMatch(/resources\.contacts\.mapping: JSONata syntax error/);
    expect(rig.sb.salesforce.log.entries.length).toBe(before);
    expect((await rig.store.get('sf-broken'))?.unified_model_override).toEqual({ contacts: { mapping: "{ 'id': Id " } });
    expect(await rig.run('sf-fine', { resource: 'contacts', method: 'list' })).toMatchObject({ ok: true, data: expect.arrayContaining([expect.objectContaining({ id: expect.any(String) })]) });
  });
});
