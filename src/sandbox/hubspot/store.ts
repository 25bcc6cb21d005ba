/** In-memory HubSpot portal: records per object type, association edges, deterministic seed. */
import { COMPANY_SUFFIX, COMPANY_WORDS, FIRST_NAMES, INDUSTRIES, LAST_NAMES, prng } from '../prng.js';
import { CREATED, DEAL_STAGES, HS_TYPES, ID_BASE, LASTMOD, SINGULAR, type HsType } from './schema.js';

export interface HsRecord {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  archivedAt?: string;
}

export interface HsEdge {
  fromType: HsType;
  fromId: string;
  toType: HsType;
  toId: string;
  typeId: number;
}

export interface HubSpotSeed {
  contacts?: number;
  companies?: number;
  deals?: number;
  notes?: number;
  /** PRNG seed; same seed → same data. */
  seed?: number;
}

/** A Map that counts its writes, so a view derived from its entries knows when to be rebuilt. */
class CountedMap<K, V> extends Map<K, V> {
  writes = 0;

  override set(key: K, value: V): this {
    this.writes += 1;
    return super.set(key, value);
  }

  override delete(key: K): boolean {
    this.writes += 1;
    return super.delete(key);
  }

  override clear(): void {
    this.writes += 1;
    super.clear();
  }
}

export class HubSpotStore {
  readonly records: Record<HsType, Map<string, HsRecord>> = { contacts: new CountedMap(), companies: new CountedMap(), deals: new CountedMap(), notes: new CountedMap() };
  readonly edges: HsEdge[] = [];
  private readonly nextId: Record<HsType, number> = { ...ID_BASE };
  /** Every record of a type (archived or not) in id order, as of the map's `writes`. */
  private readonly byId = new Map<HsType, { writes: number; all: HsRecord[] }>();

  /**
   * Records of a type in id order (the order list pages use). The id order is kept between calls
   * until the type's map is written (insert, or any set/delete on `records`); `archived` is read
   * from each record on every call, since archiving flips it in place.
   */
  sorted(type: HsType, archived = false): HsRecord[] {
    const m = this.records[type];
    const writes = m instanceof CountedMap ? m.writes : NaN;
    let view = this.byId.get(type);
    if (!view || view.writes !== writes) {
      view = { writes, all: [...m.values()].sort((a, b) => Number(a.id) - Number(b.id)) };
      this.byId.set(type, view);
    }
    return view.all.filter((r) => r.archived === archived);
  }

  get(type: HsType, id: string): HsRecord | undefined {
    const r = this.records[type].get(id);
    return r && !r.archived ? r : undefined;
  }

  insert(type: HsType, props: Record<string, string | null>, at: string): HsRecord {
    const id = String(this.nextId[type]++);
    const rec: HsRecord = {
      id,
      properties: { ...props, hs_object_id: id, [CREATED[type]]: props[CREATED[type]] ?? at, [LASTMOD[type]]: at },
      createdAt: props[CREATED[type]] ?? at,
      updatedAt: at,
      archived: false,
    };
    this.records[type].set(id, rec);
    return rec;
  }

  touch(type: HsType, rec: HsRecord, at: string): void {
    rec.updatedAt = at;
    rec.properties[LASTMOD[type]] = at;
  }

  associate(e: HsEdge): void {
    if (!this.edges.some((x) => x.fromType === e.fromType && x.fromId === e.fromId && x.toType === e.toType && x.toId === e.toId)) this.edges.push(e);
  }

  /** `{deals:{results:[{id,type:"note_to_deal"}]}}` for the requested target types that have any. */
  associationsOf(type: HsType, id: string, targets: HsType[]): Record<string, { results: Array<{ id: string; type: string }> }> {
    const out: Record<string, { results: Array<{ id: string; type: string }> }> = {};
    for (const t of targets) {
      const results: Array<{ id: string; type: string }> = [];
      for (const e of this.edges) {
        if (e.fromType === type && e.fromId === id && e.toType === t) results.push({ id: e.toId, type: `${SINGULAR[type]}_to_${SINGULAR[t]}` });
        else if (e.toType === type && e.toId === id && e.fromType === t) results.push({ id: e.fromId, type: `${SINGULAR[type]}_to_${SINGULAR[t]}` });
      }
      const seen = new Set<string>();
      const uniq = results.filter((r) => (seen.has(r.id) ? false : (seen.add(r.id), true)));
      if (uniq.length > 0) out[t] = { results: uniq.sort((a, b) => Number(a.id) - Number(b.id)) };
    }
    return out;
  }

  count(type: HsType): number {
    return this.sorted(type).length;
  }

  /** Deterministic portal: companies, contacts (each linked to a company), deals in the default pipeline, notes. */
  seed(s: HubSpotSeed = {}): void {
    const r = prng(s.seed ?? 42);
    const base = Date.UTC(2025, 0, 6, 9, 0, 0);
    const iso = (i: number): string => new Date(base + i * 3_600_000 + r.int(0, 999)).toISOString();
    const companies: HsRecord[] = [];
    for (let i = 0; i < (s.companies ?? 40); i++) {
      const name = `${r.pick(COMPANY_WORDS)} ${r.pick(COMPANY_SUFFIX)} ${i + 1}`;
      const domain = `${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.example.com`;
      companies.push(this.insert('companies', {
        name, domain, industry: r.pick(INDUSTRIES), phone: `+1 555 01${String(i).padStart(2, '0')}`, city: r.pick(['Boston', 'Austin', 'Berlin', 'Paris', 'Lagos']),
        numberofemployees: String(r.int(5, 5000)), hubspot_owner_id: String(r.int(1, 4) + 500),
      }, iso(i)));
    }
    const contacts: HsRecord[] = [];
    for (let i = 0; i < (s.contacts ?? 250); i++) {
      const first = r.pick(FIRST_NAMES);
      const last = r.pick(LAST_NAMES);
      const company = companies.length > 0 ? companies[i % companies.length] : undefined;
      const c = this.insert('contacts', {
        firstname: first, lastname: last, email: `${first}.${last}.${i + 1}@example.com`.toLowerCase(),
        phone: `+1 555 ${String(1000 + i).padStart(4, '0')}`, jobtitle: r.pick(['CTO', 'VP Sales', 'Engineer', 'Buyer', 'CEO']),
        hubspot_owner_id: String(r.int(1, 4) + 500), lifecyclestage: r.pick(['lead', 'customer', 'opportunity']),
        ...(company ? { associatedcompanyid: company.id, company: company.properties.name ?? null } : {}),
      }, iso(100 + i));
      contacts.push(c);
      if (company) this.associate({ fromType: 'contacts', fromId: c.id, toType: 'companies', toId: company.id, typeId: 279 });
    }
    const deals: HsRecord[] = [];
    for (let i = 0; i < (s.deals ?? 60); i++) {
      const company = companies.length > 0 ? companies[i % companies.length] : undefined;
      const d = this.insert('deals', {
        dealname: `${company?.properties.name ?? 'Deal'} — ${r.pick(['Renewal', 'Expansion', 'Pilot', 'New business'])} ${i + 1}`,
        amount: `${r.int(10, 500) * 100}.00`, deal_currency_code: 'USD', pipeline: 'default', dealstage: r.pick(DEAL_STAGES),
        closedate: new Date(Date.UTC(2026, r.int(0, 12), r.int(1, 28), 12)).toISOString(), hubspot_owner_id: String(r.int(1, 4) + 500),
      }, iso(400 + i));
      deals.push(d);
      if (company) this.associate({ fromType: 'deals', fromId: d.id, toType: 'companies', toId: company.id, typeId: 5 });
      const contact = contacts.length > 0 ? contacts[(i * 3) % contacts.length] : undefined;
      if (contact) this.associate({ fromType: 'deals', fromId: d.id, toType: 'contacts', toId: contact.id, typeId: 3 });
    }
    for (let i = 0; i < (s.notes ?? 30); i++) {
      const at = iso(500 + i);
      const n = this.insert('notes', { hs_note_body: `<p>Call notes ${i + 1}: ${r.pick(['discussed pricing', 'sent proposal', 'intro meeting', 'renewal risk'])}</p>`, hs_timestamp: at, hubspot_owner_id: '501' }, at);
      const kind = HS_TYPES[i % 3] as HsType;
      const pool = kind === 'contacts' ? contacts : kind === 'companies' ? companies : deals;
      const target = pool.length > 0 ? pool[i % pool.length] : undefined;
      if (target) this.associate({ fromType: 'notes', fromId: n.id, toType: kind, toId: target.id, typeId: kind === 'contacts' ? 202 : kind === 'companies' ? 190 : 214 });
    }
  }
}
