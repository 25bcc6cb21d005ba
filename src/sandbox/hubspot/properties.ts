/**
 * `GET /crm/properties/{version}/{objectType}` (CRM Properties API): every property of an object type with
 * name, label, type (string | number | date | datetime | enumeration | bool), fieldType, groupName,
 * options and modificationMetadata; `hubspotDefined: true` marks HubSpot's own. Enumeration options of
 * `dealstage` are the stages of every deal pipeline, `pipeline` the pipelines (as the real portal lists them).
 */
import type { Reply } from '../http.js';
import { KNOWN_PROPERTIES, PIPELINES, READ_ONLY, SINGULAR, type HsType } from './schema.js';

type PropType = 'string' | 'number' | 'date' | 'datetime' | 'enumeration' | 'bool';
interface Meta {
  label: string;
  type?: PropType;
  fieldType?: string;
  options?: Array<{ value: string; label: string }>;
}

const opts = (pairs: Array<[string, string]>) => pairs.map(([value, label]) => ({ value, label }));

const META: Record<string, Meta> = {
  hs_object_id: { label: 'Record ID', type: 'number', fieldType: 'number' },
  hubspot_owner_id: { label: 'Owner', type: 'enumeration', fieldType: 'select' },
  firstname: { label: 'First Name' }, lastname: { label: 'Last Name' }, email: { label: 'Email' }, phone: { label: 'Phone Number', fieldType: 'phonenumber' },
  mobilephone: { label: 'Mobile Phone Number', fieldType: 'phonenumber' }, jobtitle: { label: 'Job Title' }, company: { label: 'Company Name' },
  website: { label: 'Website URL' }, city: { label: 'City' }, country: { label: 'Country/Region' },
  lifecyclestage: {
    label: 'Lifecycle Stage', type: 'enumeration', fieldType: 'radio',
    options: opts([['subscriber', 'Subscriber'], ['lead', 'Lead'], ['marketingqualifiedlead', 'Marketing Qualified Lead'], ['salesqualifiedlead', 'Sales Qualified Lead'], ['opportunity', 'Opportunity'], ['customer', 'Customer'], ['evangelist', 'Evangelist'], ['other', 'Other']]),
  },
  associatedcompanyid: { label: 'Primary Associated Company ID', type: 'number', fieldType: 'number' },
  createdate: { label: 'Create Date', type: 'datetime', fieldType: 'date' }, lastmodifieddate: { label: 'Last Modified Date', type: 'datetime', fieldType: 'date' },
  hs_lastmodifieddate: { label: 'Last Modified Date', type: 'datetime', fieldType: 'date' }, hs_createdate: { label: 'Created at', type: 'datetime', fieldType: 'date' },
  name: { label: 'Company name' }, domain: { label: 'Company Domain Name' }, industry: { label: 'Industry' },
  numberofemployees: { label: 'Number of Employees', type: 'number', fieldType: 'number' }, annualrevenue: { label: 'Annual Revenue', type: 'number', fieldType: 'number' },
  description: { label: 'Description', fieldType: 'textarea' },
  dealname: { label: 'Deal Name' }, amount: { label: 'Amount', type: 'number', fieldType: 'number' },
  deal_currency_code: { label: 'Currency', type: 'enumeration', fieldType: 'select', options: opts([['USD', 'US Dollar'], ['EUR', 'Euro'], ['GBP', 'British Pound']]) },
  dealstage: { label: 'Deal Stage', type: 'enumeration', fieldType: 'select' },
  pipeline: { label: 'Pipeline', type: 'enumeration', fieldType: 'select' },
  closedate: { label: 'Close Date', type: 'datetime', fieldType: 'date' },
  dealtype: { label: 'Deal Type', type: 'enumeration', fieldType: 'radio', options: opts([['newbusiness', 'New Business'], ['existingbusiness', 'Existing Business']]) },
  hs_note_body: { label: 'Note body', fieldType: 'html' }, hs_timestamp: { label: 'Activity date', type: 'datetime', fieldType: 'date' },
  hs_attachment_ids: { label: 'Attached file IDs', type: 'enumeration', fieldType: 'checkbox' },
};

function optionsOf(name: string, meta: Meta | undefined): Array<{ value: string; label: string }> {
  if (name === 'dealstage') return Object.values(PIPELINES).flatMap((p) => p.stages.map((s) => ({ value: s.id, label: s.label })));
  if (name === 'pipeline') return Object.entries(PIPELINES).map(([value, p]) => ({ value, label: p.label }));
  return meta?.options ?? [];
}

function property(t: HsType, name: string, i: number, hubspotDefined: boolean): Record<string, unknown> {
  const meta = META[name];
  const type = meta?.type ?? 'string';
  return {
    name, label: meta?.label ?? name, type, fieldType: meta?.fieldType ?? (type === 'string' ? 'text' : type), description: '',
    groupName: `${SINGULAR[t]}information`,
    options: optionsOf(name, meta).map((o, n) => ({ ...o, description: '', displayOrder: n, hidden: false })),
    displayOrder: i, calculated: false, externalOptions: name === 'hubspot_owner_id', hasUniqueValue: name === 'hs_object_id', hidden: false,
    ...(hubspotDefined ? { hubspotDefined: true } : {}),
    modificationMetadata: { archivable: !hubspotDefined, readOnlyDefinition: hubspotDefined, readOnlyValue: READ_ONLY.has(name) },
    formField: !READ_ONLY.has(name), dataSensitivity: 'non_sensitive',
    createdAt: '2020-06-30T15:57:37.277Z', updatedAt: '2020-06-30T15:57:37.277Z', archived: false,
  };
}

export function listProperties(t: HsType, custom: readonly string[]): Reply {
  const results = [
    ...KNOWN_PROPERTIES[t].map((n, i) => property(t, n, i, true)),
    ...custom.map((n, i) => property(t, n, KNOWN_PROPERTIES[t].length + i, false)),
  ];
  return { status: 200, json: { results } };
}
