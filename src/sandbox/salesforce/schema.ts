/** The sObjects the fake knows, their fields and Salesforce id helpers (PROVIDERS.md §2.5). */
export type SfType = 'Contact' | 'Account' | 'Opportunity' | 'Note' | 'Task' | 'OpportunityContactRole' | 'OpportunityStage';
export const SF_TYPES: readonly SfType[] = ['Contact', 'Account', 'Opportunity', 'Note', 'Task', 'OpportunityContactRole', 'OpportunityStage'];
/** Setup objects the REST API may describe and query but never write (OpportunityStage: describeSObjects, query, retrieve). */
export const READ_ONLY_TYPES: ReadonlySet<SfType> = new Set(['OpportunityStage']);

export type FieldType = 'id' | 'string' | 'textarea' | 'reference' | 'datetime' | 'date' | 'double' | 'int' | 'boolean' | 'currency' | 'percent';

export interface FieldDef {
  name: string;
  type: FieldType;
  required?: boolean;
  /** Not createable/updateable through the REST API. */
  readOnly?: boolean;
  referenceTo?: SfType | 'User';
  /** Applied on create when the field is absent. */
  default?: string | number | boolean;
  /** A restricted picklist: any other value is INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST. */
  picklist?: readonly string[];
  /** What error messages and describe call the field (Salesforce uses the label: "Stage", not "StageName"). */
  label?: string;
}

/** Parent-to-child relationships a SOQL subquery may name (`(SELECT ContactId FROM OpportunityContactRoles)`). */
export const CHILD_RELATIONSHIPS: Partial<Record<SfType, Record<string, { child: SfType; field: string }>>> = {
  Opportunity: { OpportunityContactRoles: { child: 'OpportunityContactRole', field: 'OpportunityId' }, Notes: { child: 'Note', field: 'ParentId' } },
  Contact: { OpportunityContactRoles: { child: 'OpportunityContactRole', field: 'ContactId' }, Notes: { child: 'Note', field: 'ParentId' } },
  Account: { Opportunities: { child: 'Opportunity', field: 'AccountId' }, Contacts: { child: 'Contact', field: 'AccountId' }, Notes: { child: 'Note', field: 'ParentId' } },
};

/** "FirstName" → "First Name", "AccountId" → "Account ID" (the labels of a new org's standard fields). */
export function labelOf(f: FieldDef): string {
  if (f.label) return f.label;
  const words = f.name.replace(/__c$/, '').replace(/_/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2');
  return words.replace(/ Id$/, ' ID').replace(/^Id$/, 'Record ID');
}

/** The standard stages' default probabilities (Setup → Opportunity Stages of a new org). */
export const STAGE_PROBABILITY: Record<(typeof OPPORTUNITY_STAGES)[number], number> = {
  Prospecting: 10, Qualification: 10, 'Needs Analysis': 20, 'Proposal/Price Quote': 75, 'Negotiation/Review': 90, 'Closed Won': 100, 'Closed Lost': 0,
};

/** The standard Opportunity stages of a new org (the sales process the fake's records use). */
export const OPPORTUNITY_STAGES = ['Prospecting', 'Qualification', 'Needs Analysis', 'Proposal/Price Quote', 'Negotiation/Review', 'Closed Won', 'Closed Lost'] as const;
export const TASK_STATUSES = ['Not Started', 'In Progress', 'Completed', 'Waiting on someone else', 'Deferred'] as const;
export const TASK_PRIORITIES = ['High', 'Normal', 'Low'] as const;
export const CONTACT_ROLES = ['Business User', 'Decision Maker', 'Economic Buyer', 'Economic Decision Maker', 'Evaluator', 'Executive Sponsor', 'Influencer', 'Technical Buyer', 'Other'] as const;

const SYSTEM: FieldDef[] = [
  { name: 'Id', type: 'id', readOnly: true },
  { name: 'OwnerId', type: 'reference', referenceTo: 'User' },
  { name: 'IsDeleted', type: 'boolean', readOnly: true },
  { name: 'CreatedDate', type: 'datetime', readOnly: true },
  { name: 'LastModifiedDate', type: 'datetime', readOnly: true },
  { name: 'SystemModstamp', type: 'datetime', readOnly: true },
];

export const FIELDS: Record<SfType, FieldDef[]> = {
  Contact: [
    ...SYSTEM,
    { name: 'FirstName', type: 'string' }, { name: 'LastName', type: 'string', required: true },
    { name: 'Name', type: 'string', readOnly: true }, { name: 'Email', type: 'string' }, { name: 'Phone', type: 'string' },
    { name: 'MobilePhone', type: 'string' }, { name: 'Title', type: 'string' }, { name: 'AccountId', type: 'reference', referenceTo: 'Account' },
    { name: 'Description', type: 'textarea' },
  ],
  Account: [
    ...SYSTEM,
    { name: 'Name', type: 'string', required: true }, { name: 'Website', type: 'string' }, { name: 'Phone', type: 'string' },
    { name: 'Industry', type: 'string' }, { name: 'NumberOfEmployees', type: 'int' }, { name: 'AnnualRevenue', type: 'double' },
    { name: 'BillingCity', type: 'string' }, { name: 'Description', type: 'textarea' },
  ],
  Opportunity: [
    ...SYSTEM,
    { name: 'Name', type: 'string', required: true }, { name: 'StageName', type: 'string', required: true, picklist: OPPORTUNITY_STAGES, label: 'Stage' },
    { name: 'CloseDate', type: 'date', required: true }, { name: 'Amount', type: 'currency' }, { name: 'Probability', type: 'percent' },
    { name: 'AccountId', type: 'reference', referenceTo: 'Account' }, { name: 'IsClosed', type: 'boolean', readOnly: true },
    { name: 'IsWon', type: 'boolean', readOnly: true }, { name: 'Description', type: 'textarea' },
  ],
  Note: [
    ...SYSTEM,
    { name: 'ParentId', type: 'reference', required: true }, { name: 'Title', type: 'string', required: true },
    { name: 'Body', type: 'textarea' }, { name: 'IsPrivate', type: 'boolean', default: false },
  ],
  Task: [
    ...SYSTEM,
    { name: 'Subject', type: 'string' }, { name: 'Status', type: 'string', required: true, default: 'Not Started', picklist: TASK_STATUSES, label: 'Status' },
    { name: 'Priority', type: 'string', required: true, default: 'Normal', picklist: TASK_PRIORITIES, label: 'Priority' }, { name: 'ActivityDate', type: 'date' },
    { name: 'Description', type: 'textarea' }, { name: 'WhoId', type: 'reference', referenceTo: 'Contact' },
    { name: 'WhatId', type: 'reference' }, { name: 'TaskSubtype', type: 'string', default: 'Task' },
  ],
  OpportunityContactRole: [
    ...SYSTEM.filter((f) => f.name !== 'OwnerId'),
    { name: 'OpportunityId', type: 'reference', referenceTo: 'Opportunity', required: true, label: 'Opportunity ID' },
    { name: 'ContactId', type: 'reference', referenceTo: 'Contact', required: true, label: 'Contact ID' },
    { name: 'Role', type: 'string', picklist: CONTACT_ROLES, label: 'Role' }, { name: 'IsPrimary', type: 'boolean', default: false, label: 'Primary' },
  ],
  OpportunityStage: [
    ...SYSTEM.filter((f) => f.name !== 'OwnerId'),
    { name: 'MasterLabel', type: 'string', label: 'Master Label' }, { name: 'ApiName', type: 'string', label: 'API Name' },
    { name: 'SortOrder', type: 'int', label: 'Sort Order' }, { name: 'IsActive', type: 'boolean', label: 'Is Active' },
    { name: 'IsClosed', type: 'boolean', label: 'Closed' }, { name: 'IsWon', type: 'boolean', label: 'Won' },
    { name: 'DefaultProbability', type: 'percent', label: 'Probability (%)' }, { name: 'ForecastCategoryName', type: 'string', label: 'Forecast Category Name' },
    { name: 'Description', type: 'string' },
  ],
};

export const KEY_PREFIX: Record<SfType, string> = { Account: '001', Contact: '003', Opportunity: '006', Note: '002', Task: '00T', OpportunityContactRole: '00K', OpportunityStage: '01J' };

const CHECKSUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

/** 15-char id → 18-char case-safe id (Salesforce's published checksum). */
export function to18(id15: string): string {
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let flags = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charAt(chunk * 5 + i);
      if (c >= 'A' && c <= 'Z') flags |= 1 << i;
    }
    suffix += CHECKSUM.charAt(flags);
  }
  return id15 + suffix;
}

export function makeId(type: SfType | 'User' | 'Org', n: number): string {
  const prefix = type === 'User' ? '005' : type === 'Org' ? '00D' : KEY_PREFIX[type];
  return to18(`${prefix}Fk0000${String(n).padStart(6, '0')}`);
}

export const isWellFormedId = (id: string): boolean => /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/.test(id);

/** "2013-05-20T20:49:32.000+0000" */
export const sfDateTime = (ms: number): string => new Date(ms).toISOString().replace('Z', '+0000');

export function typeOfId(id: string): SfType | undefined {
  const p = id.slice(0, 3);
  return SF_TYPES.find((t) => KEY_PREFIX[t] === p);
}
