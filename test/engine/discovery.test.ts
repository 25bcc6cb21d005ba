/**
 * Discovery through the engine (what describe_crm and the account's tool schemas read): one call per
 * declared discovery, kept per account for the TTL on the injected clock, re-read on refresh, on expiry
 * and when the account's overrides change; a failed discovery is reported and not kept.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startSandboxRig, type SandboxRig } from './helpers/sandbox-rig.js';

let rig: SandboxRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe('engine discovery', () => {
  it('hubspot: properties of every object and the deal pipelines, cached for the TTL, refreshed on demand or after it', async () => {
    rig = await startSandboxRig({ engine: { discoveryTtlMs: 60_000 } });
    const acct = await rig.addAccount('hubspot');
    const calls = () => rig!.sb.hubspot.log.count(/^\/crm\/(properties|pipelines)\//);
    const first = await rig.engine.describe(acct);
    expect(first.ok && first.cached).toBe(false);
    expect(calls()).toBe(5);
    if (!first.ok) throw new Error(first.error.message);
    const deals = first.data.objects.find((o) => o.resource === 'deals')!;
    expect(deals.pipelines).toEqual([{ id: 'default', label: 'Sales Pipeline', stages: expect.arrayContaining([{ id: 'closedwon', label: 'Closed Won' }]) }]);
    expect(deals.properties?.find((p) => p.name === 'dealstage')).toMatchObject({ type: 'enumeration', label: 'Deal Stage' });
    expect(rig.engine.schemaFacts(acct).stages?.map((s) => s.id)).toEqual(deals.pipelines![0]!.stages.map((s) => s.id));

    const again = await rig.engine.describe(acct);
    expect(again.ok && again.cached).toBe(true);
    expect(calls()).toBe(5);
    await rig.clock.advance(60_001);
    expect(rig.engine.schemaFacts(acct).stages).toBeUndefined();
    const expired = await rig.engine.describe(acct);
    expect(expired.ok && expired.cached).toBe(false);
    expect(calls()).toBe(10);
    const refreshed = await rig.engine.describe(acct, { refresh: true });
    expect(refreshed.ok && refreshed.cached).toBe(false);
    expect(calls()).toBe(15);
  });

  it('salesforce: describe and OpportunityStage; an override change is a miss; a failed discovery is reported and not kept', async () => {
    rig = await startSandboxRig();
    const acct = await rig.addAccount('salesforce');
    const first = await rig.engine.describe(acct);
    if (!first.ok) throw new Error(first.error.message);
    const deals = first.data.objects.find((o) => o.resource === 'deals')!;
    expect(deals.pipelines).toEqual([{ id: null, label: 'Opportunity stages', stages: expect.arrayContaining([{ id: 'Closed Won', label: 'Closed Won' }]) }]);
    expect(deals.properties?.find((p) => p.name === 'StageName')).toMatchObject({ type: 'picklist', label: 'Stage', options: expect.arrayContaining([{ value: 'Prospecting', label: 'Prospecting' }]) });

    const tiered = { ...acct, unified_model_override: { contacts: { custom_fields: { tier: { field: 'Custom_Tier__c', expr: 'Custom_Tier__c' } } } } };
    const withOverride = await rig.engine.describe(tiered);
    expect(withOverride.ok && withOverride.cached).toBe(false);
    if (!withOverride.ok) throw new Error(withOverride.error.message);
    expect(withOverride.data.objects.find((o) => o.resource === 'contacts')!.custom_fields).toEqual({ tier: { field: 'Custom_Tier__c' } });
    // The discovered property types the override's field.
    expect(rig.engine.schemaFacts(tiered).custom_fields.contacts).toEqual({ tier: { field: 'Custom_Tier__c', type: 'string' } });

    rig.sb.salesforce.oauth.faults.inject({ kind: 'status500' }, { scope: 'api', count: 1 });
    const failed = await rig.engine.describe(acct, { refresh: true });
    expect(failed.ok).toBe(true);
    if (!failed.ok) return;
    expect(failed.data.objects.find((o) => o.error)?.error).toMatchObject({ code: 'provider_unavailable' });
    const after = await rig.engine.describe(acct);
    expect(after.ok && after.cached).toBe(false);
  });
});
