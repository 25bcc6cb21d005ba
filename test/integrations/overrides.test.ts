import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrmMcpError } from '../../src/core/errors.js';
import { createEngine } from '../../src/engine/index.js';
import { deepMerge, loadRegistry, resolveDefinition, validateOverride } from '../../src/integrations/index.js';
import { account, fixedClock, silentLogger, staticTokens } from '../engine/helpers/accounts.js';
import { startReplayServer, type ReplayServer } from '../engine/helpers/replay.js';

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

describe('account-level override through the engine', () => {
  let srv: ReplayServer;
  const dispatcher = new Agent();
  beforeAll(async () => {
    srv = await startReplayServer();
  });
  afterAll(async () => {
    await srv.close();
    await dispatcher.close();
  });

  it('adds Custom_Tier__c for one account; another account of the same integration is unchanged', async () => {
    const a = account('salesforce', { id: 'sf-a', context: { instance_url: srv.url }, unified_model_override: TIER });
    const b = account('salesforce', { id: 'sf-b', context: { instance_url: srv.url } });
    const engine = createEngine({ registry, tokens: staticTokens([a, b]), deps: { clock: fixedClock, logger: silentLogger(), dispatcher }, extraAllowedHosts: [srv.host] });
    const rec = { attributes: { type: 'Contact' }, Id: '003A', LastName: 'L', Custom_Tier__c: 'Gold' };
    srv.queue({ status: 200, body: { totalSize: 1, done: true, records: [rec] } }, { status: 200, body: { totalSize: 1, done: true, records: [rec] } });
    const ra = await engine.execute({ account: a, resource: 'contacts', method: 'list' });
    const rb = await engine.execute({ account: b, resource: 'contacts', method: 'list' });
    expect(srv.requests[0]?.query.q).toContain('Custom_Tier__c');
    expect(srv.requests[1]?.query.q).not.toContain('Custom_Tier__c');
    expect(ra.ok && ra.data).toEqual([expect.objectContaining({ id: '003A', custom_fields: { tier: 'Gold' } })]);
    expect(rb.ok && (rb.data as Array<Record<string, unknown>>)[0]).not.toHaveProperty('custom_fields');
  });
});
