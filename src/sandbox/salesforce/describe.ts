/**
 * `GET /sobjects/{type}/describe`: the sObject's metadata as Salesforce's describe answers it — fields with
 * name, label, type (picklist for restricted picklists), picklistValues, createable/updateable, custom,
 * referenceTo, plus childRelationships (the names SOQL subqueries use).
 */
import type { Reply } from '../http.js';
import { notFound } from './errors.js';
import { CHILD_RELATIONSHIPS, KEY_PREFIX, labelOf, READ_ONLY_TYPES, type FieldDef, type SfType } from './schema.js';
import type { SalesforceStore } from './store.js';

const LENGTH: Partial<Record<FieldDef['type'], number>> = { id: 18, reference: 18, string: 255, textarea: 32000 };

function describeField(store: SalesforceStore, t: SfType, f: FieldDef): Record<string, unknown> {
  const writable = !f.readOnly && !READ_ONLY_TYPES.has(t);
  // StageName's picklist is the org's active OpportunityStage records (Setup → Opportunity Stages).
  const values = t === 'Opportunity' && f.name === 'StageName' ? store.activeStages() : f.picklist;
  return {
    name: f.name,
    label: labelOf(f),
    type: values ? 'picklist' : f.type,
    length: LENGTH[f.type] ?? 0,
    nillable: !f.required && f.type !== 'boolean',
    createable: writable,
    updateable: writable && f.name !== 'Id',
    custom: f.name.endsWith('__c'),
    defaultedOnCreate: f.default !== undefined || ['Id', 'OwnerId', 'CreatedDate', 'LastModifiedDate', 'SystemModstamp', 'IsDeleted'].includes(f.name),
    referenceTo: f.type === 'reference' ? (f.referenceTo ? [f.referenceTo] : ['Account', 'Contact', 'Opportunity']) : [],
    relationshipName: f.type === 'reference' ? f.name.replace(/Id$/, '') : null,
    restrictedPicklist: Boolean(values),
    picklistValues: (values ?? []).map((v, i) => ({ active: true, defaultValue: i === 0 && f.default === v, label: v, validFor: null, value: v })),
  };
}

export function describeSObject(store: SalesforceStore, t: SfType, version: string): Reply {
  if (!store.fields(t)) return notFound();
  const writable = !READ_ONLY_TYPES.has(t);
  const childRelationships = Object.entries(CHILD_RELATIONSHIPS[t] ?? {}).map(([relationshipName, r]) => ({
    cascadeDelete: r.child !== 'Opportunity' && r.child !== 'Contact', childSObject: r.child, field: r.field, relationshipName,
  }));
  return {
    status: 200,
    json: {
      name: t, label: labelOf({ name: t, type: 'string' }), labelPlural: `${labelOf({ name: t, type: 'string' })}s`, keyPrefix: KEY_PREFIX[t], custom: false,
      createable: writable, updateable: writable, deletable: writable, queryable: true, retrieveable: true, searchable: writable,
      fields: store.fields(t).map((f) => describeField(store, t, f)),
      childRelationships,
      urls: { sobject: `/services/data/${version}/sobjects/${t}`, describe: `/services/data/${version}/sobjects/${t}/describe`, rowTemplate: `/services/data/${version}/sobjects/${t}/{ID}` },
    },
  };
}
