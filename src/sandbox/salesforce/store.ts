/** In-memory Salesforce org: records per sObject (canonical field names), custom fields, deterministic seed. */
import { COMPANY_SUFFIX, COMPANY_WORDS, FIRST_NAMES, INDUSTRIES, LAST_NAMES, prng } from '../prng.js';
import type { SoqlValue } from './soql.js';
import { FIELDS, makeId, OPPORTUNITY_STAGES, sfDateTime, SF_TYPES, STAGE_PROBABILITY, type FieldDef, type FieldType, type SfType } from './schema.js';

export type SfRecord = Record<string, SoqlValue>;

export interface SalesforceSeed {
  accounts?: number;
  contacts?: number;
  opportunities?: number;
  notes?: number;
  tasks?: number;
  seed?: number;
}

export { OPPORTUNITY_STAGES };

export class SalesforceStore {
  readonly records = Object.fromEntries(SF_TYPES.map((t) => [t, new Map<string, SfRecord>()])) as Record<SfType, Map<string, SfRecord>>;
  readonly ownerId = makeId('User', 1);
  private seq = 0;
  private readonly custom = Object.fromEntries(SF_TYPES.map((t) => [t, [] as FieldDef[]])) as Record<SfType, FieldDef[]>;

  constructor(customFields: Partial<Record<SfType, Array<{ name: string; type?: FieldType; label?: string; picklist?: readonly string[] }>>> = {}) {
    for (const t of SF_TYPES) {
      this.custom[t] = (customFields[t] ?? []).map((f) => ({ name: f.name, type: f.type ?? 'string', ...(f.label ? { label: f.label } : {}), ...(f.picklist ? { picklist: f.picklist } : {}) }));
    }
    // Every org has its sales stages, seeded or not (Setup data, not records a seed creates).
    OPPORTUNITY_STAGES.forEach((name, i) => {
      const stamp = sfDateTime(Date.UTC(2024, 0, 1));
      const id = makeId('OpportunityStage', i + 1);
      this.records.OpportunityStage.set(id, {
        Id: id, IsDeleted: false, CreatedDate: stamp, LastModifiedDate: stamp, SystemModstamp: stamp, MasterLabel: name, ApiName: name, SortOrder: i + 1,
        IsActive: true, IsClosed: name.startsWith('Closed'), IsWon: name === 'Closed Won', DefaultProbability: STAGE_PROBABILITY[name],
        ForecastCategoryName: name === 'Closed Won' ? 'Closed' : name === 'Closed Lost' ? 'Omitted' : 'Pipeline', Description: null,
      });
    });
  }

  /** Active stage names in SortOrder: the values Opportunity.StageName accepts. */
  activeStages(): string[] {
    return [...this.records.OpportunityStage.values()]
      .filter((s) => s.IsActive === true)
      .sort((a, b) => Number(a.SortOrder) - Number(b.SortOrder))
      .map((s) => String(s.ApiName));
  }

  fields(t: SfType): FieldDef[] {
    return [...FIELDS[t], ...this.custom[t]];
  }

  /** Case-insensitive field lookup (SOQL and REST bodies ignore case). */
  field(t: SfType, name: string): FieldDef | undefined {
    const n = name.toLowerCase();
    return this.fields(t).find((f) => f.name.toLowerCase() === n);
  }

  /** By 15- or 18-char id (15 matches the case-sensitive prefix). */
  get(t: SfType, id: string): SfRecord | undefined {
    const m = this.records[t];
    if (id.length === 18) return m.get(id);
    for (const [k, v] of m) if (k.startsWith(id)) return v;
    return undefined;
  }

  find(id: string): { type: SfType; rec: SfRecord } | undefined {
    for (const t of SF_TYPES) {
      const rec = this.get(t, id);
      if (rec) return { type: t, rec };
    }
    return undefined;
  }

  /** Inserts already-validated values; fills system fields, defaults and derived fields. */
  insert(t: SfType, values: SfRecord, nowMs: number): SfRecord {
    this.seq += 1;
    const stamp = sfDateTime(nowMs);
    const rec: SfRecord = {};
    for (const f of this.fields(t)) rec[f.name] = f.default ?? null;
    Object.assign(rec, values, { Id: makeId(t, this.seq), IsDeleted: false, CreatedDate: stamp, LastModifiedDate: stamp, SystemModstamp: stamp });
    if (rec.OwnerId === null) rec.OwnerId = this.ownerId;
    derive(t, rec);
    this.records[t].set(rec.Id as string, rec);
    return rec;
  }

  update(t: SfType, rec: SfRecord, values: SfRecord, nowMs: number): void {
    Object.assign(rec, values);
    rec.LastModifiedDate = rec.SystemModstamp = sfDateTime(nowMs);
    derive(t, rec);
  }

  sorted(t: SfType): SfRecord[] {
    return [...this.records[t].values()];
  }

  seed(s: SalesforceSeed = {}): void {
    const r = prng(s.seed ?? 7);
    const base = Date.UTC(2025, 0, 6, 9, 0, 0);
    const at = (i: number): number => base + i * 3_600_000 + r.int(0, 999);
    const accounts: SfRecord[] = [];
    for (let i = 0; i < (s.accounts ?? 40); i++) {
      const name = `${r.pick(COMPANY_WORDS)} ${r.pick(COMPANY_SUFFIX)} ${i + 1}`;
      accounts.push(this.insert('Account', {
        Name: name, Website: `https://${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.example.com`, Industry: r.pick(INDUSTRIES),
        Phone: `+1 555 02${String(i).padStart(2, '0')}`, NumberOfEmployees: r.int(5, 5000), BillingCity: r.pick(['Boston', 'Austin', 'Berlin', 'Paris', 'Lagos']),
      }, at(i)));
    }
    const contacts: SfRecord[] = [];
    const hasTier = this.custom.Contact.some((f) => f.name === 'Custom_Tier__c');
    for (let i = 0; i < (s.contacts ?? 250); i++) {
      const first = r.pick(FIRST_NAMES);
      const last = r.pick(LAST_NAMES);
      contacts.push(this.insert('Contact', {
        FirstName: first, LastName: last, Email: `${first}.${last}.${i + 1}@example.com`.toLowerCase(), Phone: `+1 555 ${String(2000 + i)}`,
        Title: r.pick(['CTO', 'VP Sales', 'Engineer', 'Buyer', 'CEO']), AccountId: accounts.length > 0 ? ((accounts[i % accounts.length]?.Id as string) ?? null) : null,
        ...(hasTier && i % 3 === 0 ? { Custom_Tier__c: r.pick(['Gold', 'Silver', 'Bronze']) } : {}),
      }, at(100 + i)));
    }
    const opps: SfRecord[] = [];
    for (let i = 0; i < (s.opportunities ?? 60); i++) {
      const acct = accounts.length > 0 ? accounts[i % accounts.length] : undefined;
      opps.push(this.insert('Opportunity', {
        Name: `${String(acct?.Name ?? 'Opportunity')} — ${r.pick(['Renewal', 'Expansion', 'Pilot', 'New business'])} ${i + 1}`,
        StageName: r.pick(OPPORTUNITY_STAGES), Amount: r.int(10, 500) * 100, AccountId: (acct?.Id as string | undefined) ?? null,
        CloseDate: new Date(Date.UTC(2026, r.int(0, 12), r.int(1, 28))).toISOString().slice(0, 10), Probability: r.int(1, 10) * 10,
      }, at(400 + i)));
    }
    const parents = [contacts, accounts, opps];
    for (let i = 0; i < (s.notes ?? 30); i++) {
      const pool = parents[i % 3] ?? [];
      const parent = pool.length > 0 ? pool[i % pool.length] : undefined;
      if (!parent) continue;
      this.insert('Note', { ParentId: parent.Id as string, Title: `Call notes ${i + 1}`, Body: `Discussed ${r.pick(['pricing', 'the proposal', 'renewal risk', 'onboarding'])}.` }, at(500 + i));
    }
    for (let i = 0; i < (s.tasks ?? 20); i++) {
      const who = contacts.length > 0 ? contacts[i % contacts.length] : undefined;
      const what = opps.length > 0 ? opps[i % opps.length] : undefined;
      this.insert('Task', {
        Subject: r.pick(['Call', 'Email', 'Follow up']), Status: r.pick(['Not Started', 'In Progress', 'Completed']),
        WhoId: (who?.Id as string | undefined) ?? null, WhatId: (what?.Id as string | undefined) ?? null,
        ActivityDate: new Date(Date.UTC(2026, r.int(0, 12), r.int(1, 28))).toISOString().slice(0, 10),
      }, at(600 + i));
    }
    // Seeded last so the ids of everything above stay what they were before contact roles existed.
    opps.forEach((o, i) => {
      const contact = contacts.length > 0 ? contacts[(i * 3) % contacts.length] : undefined;
      if (contact) this.insert('OpportunityContactRole', { OpportunityId: o.Id as string, ContactId: contact.Id as string, Role: 'Decision Maker', IsPrimary: true }, at(700 + i));
    });
  }
}

function derive(t: SfType, rec: SfRecord): void {
  if (t === 'Contact') rec.Name = [rec.FirstName, rec.LastName].filter((x) => x !== null && x !== '').join(' ');
  if (t === 'Opportunity') {
    rec.IsClosed = typeof rec.StageName === 'string' && rec.StageName.startsWith('Closed');
    rec.IsWon = rec.StageName === 'Closed Won';
  }
}
