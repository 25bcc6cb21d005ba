/**
 * The JSON text of list-page records, kept between requests per record and property-name list.
 * An entry is reused only while every value its text was made of compares equal (`===`) to the
 * record's value now, and only records whose values are all primitives are kept, so a reused text
 * is always exactly what JSON.stringify gives for the record as it is at that moment — whoever
 * changed it (the API, or code holding the store).
 */
import type { HsRecord } from './store.js';

interface Entry {
  id: string;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  archivedAt: string | undefined;
  /** The record's raw property values, in the list's name order. */
  values: unknown[];
  json: string;
}

/** Property-name lists remembered at once; a portal's clients ask with a handful. */
const MAX_NAME_LISTS = 16;

const primitive = (v: unknown): boolean => v === null || (typeof v !== 'object' && typeof v !== 'function');

export class RecordJson {
  private readonly byNames = new Map<string, WeakMap<HsRecord, Entry>>();

  /**
   * A serialiser for one request: `present` is the request's record shape, `names` the property
   * names it writes (they and the record's fields are all its output depends on).
   */
  serialiser(names: readonly string[], present: (r: HsRecord) => Record<string, unknown>): (r: HsRecord) => string {
    const key = names.join('\u0000');
    let entries = this.byNames.get(key);
    if (!entries) {
      if (this.byNames.size >= MAX_NAME_LISTS) this.byNames.delete(this.byNames.keys().next().value!);
      entries = new WeakMap();
      this.byNames.set(key, entries);
    }
    const kept = entries;
    return (r) => {
      const e = kept.get(r);
      if (e && e.id === r.id && e.createdAt === r.createdAt && e.updatedAt === r.updatedAt && e.archived === r.archived && e.archivedAt === r.archivedAt && sameValues(e.values, r, names)) return e.json;
      const json = JSON.stringify(present(r));
      const values = names.map((n) => r.properties[n]);
      if (values.every(primitive) && [r.id, r.createdAt, r.updatedAt, r.archived, r.archivedAt].every(primitive)) {
        kept.set(r, { id: r.id, createdAt: r.createdAt, updatedAt: r.updatedAt, archived: r.archived, archivedAt: r.archivedAt, values, json });
      } else kept.delete(r);
      return json;
    };
  }
}

function sameValues(values: unknown[], r: HsRecord, names: readonly string[]): boolean {
  const p = r.properties;
  for (let i = 0; i < names.length; i++) if (values[i] !== p[names[i]!]) return false;
  return true;
}
