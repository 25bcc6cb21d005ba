/** CRM v3 object endpoints over a HubSpotStore: list, get, create, update, archive, search. */
import type { Reply } from '../http.js';
import { conflict, notFound, propertyErrors, validation, type PropertyProblem } from './errors.js';
import { ALWAYS, ASSOCIATION_TYPES, DEFAULT_PROPERTIES, HS_TYPES, KNOWN_PROPERTIES, PIPELINES, READ_ONLY, SEARCHABLE, SINGULAR, type HsType } from './schema.js';
import type { RecordJson } from './record-json.js';
import type { HsRecord, HubSpotStore } from './store.js';

export interface ObjectCtx {
  store: HubSpotStore;
  now: () => number;
  portalId: number;
  /** Extra (custom) properties per type. */
  custom: Partial<Record<HsType, string[]>>;
  /** List pages' record JSON, kept while the records are unchanged. */
  recordJson: RecordJson;
}

const known = (ctx: ObjectCtx, t: HsType, p: string): boolean => KNOWN_PROPERTIES[t].includes(p) || (ctx.custom[t] ?? []).includes(p);

function parseList(v: string | null | undefined): string[] {
  return (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

function assocTargets(v: string | null): HsType[] {
  return parseList(v).filter((x): x is HsType => (HS_TYPES as readonly string[]).includes(x));
}

/** The property names a read writes, sorted: requested (or default) ones plus the always-present ones; unknown names are ignored. */
function propertyNames(ctx: ObjectCtx, t: HsType, props: string[] | undefined): string[] {
  const names = props && props.length > 0 ? [...new Set([...props.filter((p) => known(ctx, t, p)), ...ALWAYS[t]])] : [...DEFAULT_PROPERTIES[t]];
  return names.sort();
}

/** Wire shape of a record with `names` (from propertyNames; unset ones are null) and the `assoc` association targets it has. */
function shape(ctx: ObjectCtx, t: HsType, names: readonly string[], assoc: HsType[]): (r: HsRecord) => Record<string, unknown> {
  return (r) => {
    const properties: Record<string, string | null> = {};
    for (const n of names) properties[n] = r.properties[n] ?? null;
    const out: Record<string, unknown> = { id: r.id, properties, createdAt: r.createdAt, updatedAt: r.updatedAt, archived: r.archived };
    if (r.archivedAt) out.archivedAt = r.archivedAt;
    if (assoc.length > 0) {
      const associations = ctx.store.associationsOf(t, r.id, assoc);
      if (Object.keys(associations).length > 0) out.associations = associations;
    }
    return out;
  };
}

/** Wire shape of the records of one request (the names resolved once per request, not per record). */
export const presenter = (ctx: ObjectCtx, t: HsType, props: string[] | undefined, assoc: HsType[] = []): ((r: HsRecord) => Record<string, unknown>) =>
  shape(ctx, t, propertyNames(ctx, t, props), assoc);

const encodeAfter = (id: string): string => Buffer.from(id).toString('base64url');
const decodeAfter = (s: string): string | undefined => {
  const v = Buffer.from(s, 'base64url').toString('utf8');
  return /^\d+$/.test(v) ? v : undefined;
};

export function listObjects(ctx: ObjectCtx, t: HsType, q: URLSearchParams, path: string): Reply {
  const limitRaw = q.get('limit');
  const limit = limitRaw === null ? 10 : Number(limitRaw);
  if (!Number.isInteger(limit) || limit < 1) return validation(`Unable to process JSON; limit must be a positive integer, got ${JSON.stringify(limitRaw)}`);
  const capped = Math.min(limit, 100);
  const all = ctx.store.sorted(t, q.get('archived') === 'true');
  let start = 0;
  const after = q.get('after');
  if (after !== null) {
    const id = decodeAfter(after);
    if (id === undefined) return validation(`Invalid value for paging cursor 'after': ${after}`);
    start = all.findIndex((r) => Number(r.id) >= Number(id));
    if (start < 0) start = all.length;
  }
  const page = all.slice(start, start + capped);
  const props = q.has('properties') ? parseList(q.getAll('properties').join(',')) : undefined;
  const assoc = assocTargets(q.get('associations'));
  const next = all[start + capped];
  const a = next ? encodeAfter(next.id) : undefined;
  const paging = a === undefined ? undefined : { next: { after: a, link: `${path}?after=${encodeURIComponent(a)}` } };
  const names = propertyNames(ctx, t, props);
  if (assoc.length > 0) return { status: 200, json: { results: page.map(shape(ctx, t, names, assoc)), ...(paging ? { paging } : {}) } };
  // The text JSON.stringify gives for { results, paging? }, from each record's kept JSON.
  const toJson = ctx.recordJson.serialiser(names, shape(ctx, t, names, assoc));
  const text = `{"results":[${page.map(toJson).join(',')}]${paging ? `,"paging":${JSON.stringify(paging)}` : ''}}`;
  return { status: 200, headers: { 'content-type': 'application/json;charset=UTF-8' }, text };
}

function findRecord(ctx: ObjectCtx, t: HsType, id: string, q: URLSearchParams): HsRecord | undefined {
  const idProperty = q.get('idProperty');
  if (idProperty && idProperty !== 'hs_object_id') return ctx.store.sorted(t).find((r) => (r.properties[idProperty] ?? '').toLowerCase() === id.toLowerCase());
  return ctx.store.get(t, id);
}

export function getObject(ctx: ObjectCtx, t: HsType, id: string, q: URLSearchParams): Reply {
  const r = findRecord(ctx, t, id, q);
  if (!r) return notFound(id);
  const props = q.has('properties') ? parseList(q.getAll('properties').join(',')) : undefined;
  return { status: 200, json: presenter(ctx, t, props, assocTargets(q.get('associations')))(r) };
}

const notAnOption = (name: string, value: string, options: string[]): PropertyProblem => ({
  name, code: 'INVALID_OPTION', message: `${value} was not one of the allowed options: [${options.join(', ')}]`,
});

/** A deal's pipeline must exist and its stage must be one of that pipeline's stage ids (a label such as "Closed Won" is refused). */
function checkDealStage(props: Record<string, unknown>, existing: HsRecord | undefined): PropertyProblem[] {
  const out: PropertyProblem[] = [];
  const pipelineId = typeof props.pipeline === 'string' && props.pipeline !== '' ? props.pipeline : (existing?.properties.pipeline ?? 'default');
  const pipeline = PIPELINES[pipelineId];
  if (!pipeline) return [notAnOption('pipeline', pipelineId, Object.keys(PIPELINES))];
  const stage = props.dealstage;
  if (stage !== undefined && stage !== null && stage !== '' && !pipeline.stages.some((s) => s.id === String(stage))) {
    out.push(notAnOption('dealstage', String(stage), pipeline.stages.map((s) => s.id)));
  }
  return out;
}

function checkProperties(ctx: ObjectCtx, t: HsType, props: Record<string, unknown>, existing?: HsRecord): { ok: Record<string, string | null> } | { problems: PropertyProblem[] } {
  const problems: PropertyProblem[] = t === 'deals' ? checkDealStage(props, existing) : [];
  const ok: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(props)) {
    if (problems.some((p) => p.name === k)) continue;
    if (!known(ctx, t, k)) problems.push({ name: k, code: 'PROPERTY_DOESNT_EXIST', message: `Property "${k}" does not exist` });
    else if (READ_ONLY.has(k)) problems.push({ name: k, code: 'READ_ONLY_VALUE', message: `"${k}" is a read only property; its value cannot be set.` });
    else if (k === 'email' && typeof v === 'string' && v !== '' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v)) problems.push({ name: k, code: 'INVALID_EMAIL', message: `Email address ${v} is invalid` });
    else ok[k] = v === null || v === undefined ? null : typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
  return problems.length > 0 ? { problems } : { ok };
}

interface AssociationInput {
  to?: { id?: unknown };
  types?: Array<{ associationCategory?: unknown; associationTypeId?: unknown }>;
}

export function createObject(ctx: ObjectCtx, t: HsType, body: unknown, path: string): Reply {
  if (!body || typeof body !== 'object') return validation('Invalid input JSON on line 1, column 1: Cannot build SimplePublicObjectInputForCreate, some of required attributes are not set [properties]');
  const b = body as { properties?: unknown; associations?: unknown };
  if (!b.properties || typeof b.properties !== 'object' || Array.isArray(b.properties)) return validation('Invalid input JSON on line 1, column 2: Cannot build SimplePublicObjectInputForCreate, some of required attributes are not set [properties]');
  const checked = checkProperties(ctx, t, b.properties as Record<string, unknown>);
  if ('problems' in checked) return propertyErrors(checked.problems, ctx.portalId);
  if (t === 'notes' && !checked.ok.hs_timestamp) return validation('Error creating NOTE. Some required properties were not set.', [{ message: 'Required property hs_timestamp is missing', code: 'REQUIRED_PROPERTY', context: { propertyName: ['hs_timestamp'] } }]);
  const email = checked.ok.email;
  if (t === 'contacts' && email) {
    const dup = ctx.store.sorted('contacts').find((r) => r.properties.email?.toLowerCase() === email.toLowerCase());
    if (dup) return conflict(`Contact already exists. Existing ID: ${dup.id}`);
  }
  // Resolve associations before inserting so a bad one leaves nothing behind.
  const edges: Array<{ toType: HsType; toId: string; typeId: number }> = [];
  const assoc = Array.isArray(b.associations) ? (b.associations as AssociationInput[]) : [];
  for (const a of assoc) {
    const toId = String(a.to?.id ?? '');
    for (const ty of a.types ?? []) {
      const typeId = Number(ty.associationTypeId);
      const def = ASSOCIATION_TYPES[typeId];
      if (ty.associationCategory !== 'HUBSPOT_DEFINED' || !def || def.from !== t) return validation(`association type id ${String(ty.associationTypeId)} doesn't exist between ${SINGULAR[t]} and the target object`);
      if (!ctx.store.get(def.to, toId)) return validation(`One or more associations are invalid: ${SINGULAR[def.to]} ${toId} was not found.`);
      edges.push({ toType: def.to, toId, typeId });
    }
  }
  const at = new Date(ctx.now()).toISOString();
  const rec = ctx.store.insert(t, checked.ok, at);
  for (const e of edges) {
    ctx.store.associate({ fromType: t, fromId: rec.id, ...e });
    if (t === 'contacts' && e.toType === 'companies' && !rec.properties.associatedcompanyid) rec.properties.associatedcompanyid = e.toId;
  }
  return { status: 201, headers: { location: `${path}/${rec.id}` }, json: presenter(ctx, t, Object.keys(checked.ok))(rec) };
}

export function updateObject(ctx: ObjectCtx, t: HsType, id: string, body: unknown, q: URLSearchParams): Reply {
  const props = body && typeof body === 'object' ? (body as { properties?: unknown }).properties : undefined;
  if (!props || typeof props !== 'object' || Object.keys(props).length === 0) return validation('No properties found to update, please provide at least one.');
  const r = findRecord(ctx, t, id, q);
  if (!r) return notFound(id);
  const checked = checkProperties(ctx, t, props as Record<string, unknown>, r);
  if ('problems' in checked) return propertyErrors(checked.problems, ctx.portalId);
  Object.assign(r.properties, checked.ok);
  ctx.store.touch(t, r, new Date(ctx.now()).toISOString());
  return { status: 200, json: presenter(ctx, t, Object.keys(checked.ok))(r) };
}

export function archiveObject(ctx: ObjectCtx, t: HsType, id: string): Reply {
  const r = ctx.store.get(t, id);
  // HubSpot answers 204 for a DELETE of an unknown id too.
  if (r) {
    r.archived = true;
    r.archivedAt = new Date(ctx.now()).toISOString();
  }
  return { status: 204, text: '' };
}

interface Filter {
  propertyName?: string;
  operator?: string;
  value?: unknown;
  values?: unknown[];
  highValue?: unknown;
}

function cmp(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (a !== '' && b !== '' && !Number.isNaN(na) && !Number.isNaN(nb)) return na - nb;
  const da = Date.parse(a);
  const db = Date.parse(b);
  if (!Number.isNaN(da) && !Number.isNaN(db) && /\d{4}-/.test(a)) return da - db;
  return a.localeCompare(b);
}

/** `associations.contact` (pseudo-property of the search API): the record is associated with the record `value`. */
function associatedWith(ctx: ObjectCtx, t: HsType, r: HsRecord, f: Filter): boolean | undefined {
  const m = /^associations\.([a-z]+)$/.exec(f.propertyName ?? '');
  if (!m) return undefined;
  const target = HS_TYPES.find((x) => SINGULAR[x] === m[1]);
  if (!target) return false;
  const ids = (ctx.store.associationsOf(t, r.id, [target])[target]?.results ?? []).map((x) => x.id);
  const want = f.operator === 'IN' ? (f.values ?? []).map(String) : [String(f.value ?? '')];
  return ids.some((id) => want.includes(id));
}

function matches(r: HsRecord, f: Filter): boolean {
  const v = r.properties[f.propertyName ?? ''] ?? null;
  const want = f.value === undefined ? '' : String(f.value);
  const lc = (s: string | null): string => (s ?? '').toLowerCase();
  switch (f.operator) {
    case 'EQ': return v !== null && lc(v) === want.toLowerCase();
    case 'NEQ': return v === null || lc(v) !== want.toLowerCase();
    case 'LT': return v !== null && cmp(v, want) < 0;
    case 'LTE': return v !== null && cmp(v, want) <= 0;
    case 'GT': return v !== null && cmp(v, want) > 0;
    case 'GTE': return v !== null && cmp(v, want) >= 0;
    case 'BETWEEN': return v !== null && cmp(v, want) >= 0 && cmp(v, String(f.highValue ?? '')) <= 0;
    case 'IN': return v !== null && (f.values ?? []).some((x) => lc(String(x)) === lc(v));
    case 'NOT_IN': return v === null || !(f.values ?? []).some((x) => lc(String(x)) === lc(v));
    case 'HAS_PROPERTY': return v !== null && v !== '';
    case 'NOT_HAS_PROPERTY': return v === null || v === '';
    case 'CONTAINS_TOKEN': {
      const pattern = want.toLowerCase().replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
      return v !== null && new RegExp(`(^|[^a-z0-9])${pattern}($|[^a-z0-9])`, 'i').test(v.toLowerCase());
    }
    case 'NOT_CONTAINS_TOKEN': return !matches(r, { ...f, operator: 'CONTAINS_TOKEN' });
    default: return false;
  }
}

const OPERATORS = new Set(['EQ', 'NEQ', 'LT', 'LTE', 'GT', 'GTE', 'BETWEEN', 'IN', 'NOT_IN', 'HAS_PROPERTY', 'NOT_HAS_PROPERTY', 'CONTAINS_TOKEN', 'NOT_CONTAINS_TOKEN']);

/** `POST /crm/v3/objects/{type}/search`: filter groups are OR-ed, filters inside a group AND-ed; offset cursor. */
export function searchObjects(ctx: ObjectCtx, t: HsType, body: unknown): Reply {
  const b = (body && typeof body === 'object' ? body : {}) as { filterGroups?: Array<{ filters?: Filter[] }>; query?: unknown; properties?: unknown; limit?: unknown; after?: unknown; sorts?: unknown };
  const groups = b.filterGroups ?? [];
  if (groups.length > 6) return validation(`Too many filter groups (${groups.length}). The maximum number of filter groups is 6.`);
  for (const g of groups) for (const f of g.filters ?? []) {
    if (!f.operator || !OPERATORS.has(f.operator)) return validation(`Invalid input JSON on line 1: operator ${JSON.stringify(f.operator)} is not one of ${[...OPERATORS].join(', ')}`);
  }
  const limit = b.limit === undefined ? 10 : Number(b.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 200) return validation(`limit must be between 1 and 200, got ${String(b.limit)}`);
  const offset = b.after === undefined || b.after === null || b.after === '' ? 0 : Number(b.after);
  if (!Number.isInteger(offset) || offset < 0) return validation(`Invalid value for 'after': ${String(b.after)}`);
  const query = typeof b.query === 'string' ? b.query.trim().toLowerCase() : '';
  let hits = ctx.store.sorted(t).filter((r) =>
    (groups.length === 0 || groups.some((g) => (g.filters ?? []).every((f) => associatedWith(ctx, t, r, f) ?? matches(r, f)))) &&
    (query === '' || SEARCHABLE[t].some((p) => (r.properties[p] ?? '').toLowerCase().includes(query))));
  const sorts = Array.isArray(b.sorts) ? (b.sorts as Array<{ propertyName?: string; direction?: string } | string>) : [];
  const s0 = sorts[0];
  if (s0) {
    const prop = typeof s0 === 'string' ? s0.replace(/^-/, '') : (s0.propertyName ?? 'hs_object_id');
    const desc = typeof s0 === 'string' ? s0.startsWith('-') : s0.direction === 'DESCENDING';
    hits = [...hits].sort((x, y) => (desc ? -1 : 1) * cmp(x.properties[prop] ?? '', y.properties[prop] ?? ''));
  }
  const page = hits.slice(offset, offset + limit);
  const props = Array.isArray(b.properties) ? b.properties.map(String) : undefined;
  const out: Record<string, unknown> = { total: hits.length, results: page.map(presenter(ctx, t, props)) };
  if (offset + limit < hits.length) out.paging = { next: { after: String(offset + limit) } };
  return { status: 200, json: out };
}
