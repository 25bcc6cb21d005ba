/** HubSpot object types, their known properties and association type ids (PROVIDERS.md §1.5). */
export type HsType = 'contacts' | 'companies' | 'deals' | 'notes';
export const HS_TYPES: readonly HsType[] = ['contacts', 'companies', 'deals', 'notes'];

export const SINGULAR: Record<HsType, string> = { contacts: 'contact', companies: 'company', deals: 'deal', notes: 'note' };

/** Property that carries the last-modified time: contacts differ from the rest (verified). */
export const LASTMOD: Record<HsType, string> = { contacts: 'lastmodifieddate', companies: 'hs_lastmodifieddate', deals: 'hs_lastmodifieddate', notes: 'hs_lastmodifieddate' };
export const CREATED: Record<HsType, string> = { contacts: 'createdate', companies: 'createdate', deals: 'createdate', notes: 'hs_createdate' };

/** Returned when a read has no `properties` parameter (verified for contacts/companies/deals; notes unverified). */
export const DEFAULT_PROPERTIES: Record<HsType, readonly string[]> = {
  contacts: ['firstname', 'lastname', 'email', 'lastmodifieddate', 'hs_object_id', 'createdate'],
  companies: ['name', 'domain', 'createdate', 'hs_lastmodifieddate', 'hs_object_id'],
  deals: ['dealname', 'amount', 'closedate', 'pipeline', 'dealstage', 'createdate', 'hs_lastmodifieddate', 'hs_object_id'],
  notes: ['hs_createdate', 'hs_lastmodifieddate', 'hs_object_id'],
};

/** Always present in a read, whatever `properties` asked for. */
export const ALWAYS: Record<HsType, readonly string[]> = {
  contacts: ['createdate', 'hs_object_id', 'lastmodifieddate'],
  companies: ['createdate', 'hs_lastmodifieddate', 'hs_object_id'],
  deals: ['createdate', 'hs_lastmodifieddate', 'hs_object_id'],
  notes: ['hs_createdate', 'hs_lastmodifieddate', 'hs_object_id'],
};

const COMMON = ['hs_object_id', 'hubspot_owner_id'];
export const KNOWN_PROPERTIES: Record<HsType, readonly string[]> = {
  contacts: [...COMMON, 'firstname', 'lastname', 'email', 'phone', 'mobilephone', 'jobtitle', 'company', 'website', 'city', 'country', 'lifecyclestage', 'associatedcompanyid', 'createdate', 'lastmodifieddate'],
  companies: [...COMMON, 'name', 'domain', 'industry', 'phone', 'city', 'country', 'numberofemployees', 'annualrevenue', 'website', 'description', 'createdate', 'hs_lastmodifieddate'],
  deals: [...COMMON, 'dealname', 'amount', 'deal_currency_code', 'dealstage', 'pipeline', 'closedate', 'description', 'dealtype', 'createdate', 'hs_lastmodifieddate'],
  notes: [...COMMON, 'hs_note_body', 'hs_timestamp', 'hs_attachment_ids', 'hs_createdate', 'hs_lastmodifieddate'],
};

export const READ_ONLY = new Set(['hs_object_id', 'lastmodifieddate', 'hs_lastmodifieddate', 'hs_createdate']);

/** Text fields the free-text search `query` looks at. */
export const SEARCHABLE: Record<HsType, readonly string[]> = {
  contacts: ['firstname', 'lastname', 'email', 'phone', 'company'],
  companies: ['name', 'domain', 'website', 'phone'],
  deals: ['dealname'],
  notes: ['hs_note_body'],
};

/** HUBSPOT_DEFINED association type ids → (from, to). */
export const ASSOCIATION_TYPES: Record<number, { from: HsType; to: HsType }> = {
  202: { from: 'notes', to: 'contacts' },
  190: { from: 'notes', to: 'companies' },
  214: { from: 'notes', to: 'deals' },
  279: { from: 'contacts', to: 'companies' },
  1: { from: 'contacts', to: 'companies' },
  4: { from: 'contacts', to: 'deals' },
  3: { from: 'deals', to: 'contacts' },
  5: { from: 'deals', to: 'companies' },
  341: { from: 'deals', to: 'companies' },
  280: { from: 'companies', to: 'contacts' },
  342: { from: 'companies', to: 'deals' },
};

export const DEAL_STAGES = ['appointmentscheduled', 'qualifiedtobuy', 'presentationscheduled', 'decisionmakerboughtin', 'contractsent', 'closedwon', 'closedlost'] as const;

const STAGE_LABELS: Record<(typeof DEAL_STAGES)[number], string> = {
  appointmentscheduled: 'Appointment Scheduled', qualifiedtobuy: 'Qualified To Buy', presentationscheduled: 'Presentation Scheduled',
  decisionmakerboughtin: 'Decision Maker Bought-In', contractsent: 'Contract Sent', closedwon: 'Closed Won', closedlost: 'Closed Lost',
};

/** Deal pipelines: the portal's default one (stage ids are what `dealstage` holds; labels are what people see). */
export const PIPELINES: Record<string, { label: string; stages: Array<{ id: string; label: string }> }> = {
  default: { label: 'Sales Pipeline', stages: DEAL_STAGES.map((id) => ({ id, label: STAGE_LABELS[id] })) },
};

export const ID_BASE: Record<HsType, number> = { contacts: 100001, companies: 200001, deals: 300001, notes: 400001 };
