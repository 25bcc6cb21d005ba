/**
 * The sandboxes' metadata and association endpoints, in the shapes of the real APIs: HubSpot's
 * properties and pipelines APIs, associations batch read and `associations.*` search filters;
 * Salesforce's sObject describe, OpportunityStage (read-only Setup data that StageName follows),
 * OpportunityContactRole with SOQL subqueries and semi-joins, and the composite API (all or none).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeHubSpot, startFakeSalesforce, type FakeHubSpot, type FakeSalesforce } from '../../src/sandbox/index.js';
import { call } from './helpers/call.js';

let hs: FakeHubSpot | undefined;
let sf: FakeSalesforce | undefined;
afterEach(async () => {
  await hs?.close();
  await sf?.close();
  hs = sf = undefined;
});

describe('fake HubSpot metadata and associations', () => {
  it('properties (v3 and date-versioned) carry type, options and hubspotDefined; dealstage options are the pipeline stages', async () => {
    hs = await startFakeHubSpot({ customProperties: { deals: ['renewal_risk'] } });
    hs.oauth.seedGrant({ accessToken: 'AT-1' });
    for (const path of ['/crm/v3/properties/deals', '/crm/properties/2026-03/deals']) {
      const r = await call(`${hs.url}${path}`, { token: 'AT-1' });
      expect(r.status).toBe(200);
      const byName = new Map((r.json.results as Array<{ name: string }>).map((p) => [p.name, p as Record<string, unknown>]));
      expect(byName.get('dealstage')).toMatchObject({ type: 'enumeration', fieldType: 'select', hubspotDefined: true, options: expect.arrayContaining([expect.objectContaining({ value: 'closedwon', label: 'Closed Won' })]) });
      expect(byName.get('amount')).toMatchObject({ type: 'number', label: 'Amount' });
      expect(byName.get('renewal_risk')).toMatchObject({ type: 'string', modificationMetadata: { archivable: true } });
      expect(byName.get('renewal_risk')).not.toHaveProperty('hubspotDefined');
    }
    const pipelines = (await call(`${hs.url}/crm/pipelines/2026-03/deals`, { token: 'AT-1' })).json.results;
    expect(pipelines[0].stages.map((s: { id: string }) => s.id)).toEqual(['appointmentscheduled', 'qualifiedtobuy', 'presentationscheduled', 'decisionmakerboughtin', 'contractsent', 'closedwon', 'closedlost']);
  });

  it('associations batch read answers each input with numeric toObjectIds; inputs without any are errors of a 207', async () => {
    hs = await startFakeHubSpot();
    hs.oauth.seedGrant({ accessToken: 'AT-1' });
    const edge = hs.store.edges.find((e) => e.fromType === 'deals' && e.toType === 'contacts')!;
    const lonely = hs.store.sorted('contacts').find((c) => !hs!.store.edges.some((e) => e.toType === 'contacts' && e.toId === c.id && e.fromType === 'deals'))!;
    const r = await call(`${hs.url}/crm/associations/2026-03/contacts/deals/batch/read`, { method: 'POST', token: 'AT-1', json: { inputs: [{ id: edge.toId }, { id: lonely.id }] } });
    expect(r.status).toBe(207);
    expect(r.json.results).toEqual([{ from: { id: edge.toId }, to: expect.arrayContaining([{ toObjectId: Number(edge.fromId), associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 4, label: null }] }]) }]);
    expect(r.json.errors[0]).toMatchObject({ category: 'VALIDATION_ERROR', context: { fromObjectId: [lonely.id] } });
  });

  it('search filters on associations.contact return the records associated with it', async () => {
    hs = await startFakeHubSpot();
    hs.oauth.seedGrant({ accessToken: 'AT-1' });
    const edge = hs.store.edges.find((e) => e.fromType === 'deals' && e.toType === 'contacts')!;
    const want = hs.store.edges.filter((e) => e.fromType === 'deals' && e.toType === 'contacts' && e.toId === edge.toId).map((e) => e.fromId).sort();
    const r = await call(`${hs.url}/crm/objects/2026-03/deals/search`, { method: 'POST', token: 'AT-1', json: { filterGroups: [{ filters: [{ propertyName: 'associations.contact', operator: 'EQ', value: edge.toId }] }], limit: 100 } });
    expect(r.status).toBe(200);
    expect(r.json.results.map((d: { id: string }) => d.id).sort()).toEqual(want);
  });
});

describe('fake Salesforce metadata and contact roles', () => {
  async function start() {
    sf = await startFakeSalesforce();
    sf.oauth.seedGrant({ accessToken: 'AT-SF' });
    const api = `${sf.url}/services/data/v62.0`;
    const q = (soql: string) => call(`${api}/query?q=${encodeURIComponent(soql)}`, { token: 'AT-SF' });
    return { sf, api, q };
  }

  it('describe lists fields with label, type and picklistValues; StageName is the active OpportunityStage values', async () => {
    const { api, q } = await start();
    const d = (await call(`${api}/sobjects/Opportunity/describe`, { token: 'AT-SF' })).json;
    expect(d).toMatchObject({ name: 'Opportunity', keyPrefix: '006', childRelationships: expect.arrayContaining([expect.objectContaining({ relationshipName: 'OpportunityContactRoles', childSObject: 'OpportunityContactRole', field: 'OpportunityId' })]) });
    const stage = d.fields.find((f: { name: string }) => f.name === 'StageName');
    expect(stage).toMatchObject({ label: 'Stage', type: 'picklist', restrictedPicklist: true });
    const stages = (await q('SELECT ApiName, MasterLabel, SortOrder, IsClosed, IsWon FROM OpportunityStage WHERE IsActive = true ORDER BY SortOrder')).json.records;
    expect(stage.picklistValues.map((v: { value: string }) => v.value)).toEqual(stages.map((s: { ApiName: string }) => s.ApiName));
    expect(stages.at(-2)).toMatchObject({ ApiName: 'Closed Won', IsClosed: true, IsWon: true });
    expect((await call(`${api}/sobjects/Contact/describe`, { token: 'AT-SF' })).json.fields.find((f: { name: string }) => f.name === 'Custom_Tier__c')).toMatchObject({ custom: true, type: 'string' });
    const write = await call(`${api}/sobjects/OpportunityStage/`, { method: 'POST', token: 'AT-SF', json: { MasterLabel: 'Mine' } });
    expect(write.status).toBe(400);
    expect(write.json[0].errorCode).toBe('INVALID_TYPE_FOR_OPERATION');
  });

  it('parent-to-child subqueries and semi-joins over OpportunityContactRole', async () => {
    const { sf, q } = await start();
    const role = sf.store.sorted('OpportunityContactRole')[0]!;
    const opp = (await q(`SELECT Id, (SELECT ContactId FROM OpportunityContactRoles) FROM Opportunity WHERE Id = '${String(role.OpportunityId)}'`)).json.records[0];
    expect(opp.OpportunityContactRoles).toMatchObject({ totalSize: 1, done: true, records: [{ attributes: { type: 'OpportunityContactRole' }, ContactId: role.ContactId }] });
    const none = (await q(`SELECT Id, (SELECT ContactId FROM OpportunityContactRoles) FROM Opportunity WHERE Id NOT IN (SELECT OpportunityId FROM OpportunityContactRole) LIMIT 1`)).json;
    expect(none.records.every((r: { OpportunityContactRoles: unknown }) => r.OpportunityContactRoles === null)).toBe(true);
    const semi = (await q(`SELECT Id FROM Opportunity WHERE Id IN (SELECT OpportunityId FROM OpportunityContactRole WHERE ContactId = '${String(role.ContactId)}')`)).json.records;
    expect(semi.map((r: { Id: string }) => r.Id)).toContain(role.OpportunityId);
    const bad = await q('SELECT Id, (SELECT Id FROM Nonsense) FROM Opportunity');
    expect(bad.status).toBe(400);
    expect(bad.json[0].errorCode).toBe('INVALID_TYPE');
  });

  it('composite: references between subrequests, one 200 answer; with allOrNone a failure rolls everything back', async () => {
    const { sf, api } = await start();
    const contact = String(sf.store.sorted('Contact')[0]!.Id);
    const sub = (stage: string) => ({
      allOrNone: true,
      compositeRequest: [
        { method: 'POST', url: '/services/data/v62.0/sobjects/Opportunity', referenceId: 'deal', body: { Name: 'C', StageName: stage, CloseDate: '2027-01-01' } },
        { method: 'POST', url: '/services/data/v62.0/sobjects/OpportunityContactRole', referenceId: 'role', body: { OpportunityId: '@{deal.id}', ContactId: contact } },
      ],
    });
    const before = sf.store.sorted('Opportunity').length;
    const ok = await call(`${api}/composite`, { method: 'POST', token: 'AT-SF', json: sub('Prospecting') });
    expect(ok.status).toBe(200);
    expect(ok.json.compositeResponse.map((r: { httpStatusCode: number }) => r.httpStatusCode)).toEqual([201, 201]);
    const id = ok.json.compositeResponse[0].body.id;
    expect(sf.store.sorted('OpportunityContactRole').some((r) => r.OpportunityId === id && r.ContactId === contact)).toBe(true);
    const bad = await call(`${api}/composite`, { method: 'POST', token: 'AT-SF', json: { ...sub('Prospecting'), compositeRequest: [...sub('Prospecting').compositeRequest, { method: 'POST', url: '/services/data/v62.0/sobjects/Opportunity', referenceId: 'bad', body: { Name: 'X', StageName: 'Nope', CloseDate: '2027-01-01' } }] } });
    expect(bad.status).toBe(200);
    expect(bad.json.compositeResponse.map((r: { httpStatusCode: number; body: Array<{ errorCode: string }> }) => [r.httpStatusCode, r.body[0]?.errorCode])).toEqual([
      [400, 'PROCESSING_HALTED'], [400, 'PROCESSING_HALTED'], [400, 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST'],
    ]);
    expect(sf.store.sorted('Opportunity').length).toBe(before + 1);
  });
});
