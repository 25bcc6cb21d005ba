/** Salesforce REST data endpoints over a SalesforceStore: SOQL query + query locators, sObject CRUD. */
import type { Reply } from '../http.js';
import { noSuchColumn, notFound, sfError } from './errors.js';
import { CHILD_RELATIONSHIPS, isWellFormedId, READ_ONLY_TYPES, SF_TYPES, typeOfId, type FieldDef, type SfType } from './schema.js';
import { caret, compare, evaluate, parseSoql, SoqlError, type Cond, type SoqlQuery, type SoqlValue } from './soql.js';
import type { SalesforceStore, SfRecord } from './store.js';

export interface RestCtx {
  store: SalesforceStore;
  now: () => number;
  /** Records per query batch when the client sends no `Sforce-Query-Options: batchSize`. */
  batchSize: number;
  /** Lower clamp applied to the batchSize header (Salesforce: 200). */
  minBatchSize: number;
  cursors: Map<string, { records: Array<Record<string, unknown>>; batch: number }>;
  nextLocator: () => string;
}

const attributes = (version: string, type: string, id: unknown): { type: string; url: string } => ({ type, url: `/services/data/${version}/sobjects/${type}/${String(id)}` });

export function resolveType(name: string): SfType | undefined {
  return SF_TYPES.find((t) => t.toLowerCase() === name.toLowerCase());
}

function project(ctx: RestCtx, version: string, t: SfType, rec: SfRecord, q: SoqlQuery): Record<string, unknown> {
  const out: Record<string, unknown> = { attributes: attributes(version, t, rec.Id) };
  for (const f of q.fields) {
    const [head, tail] = f.path.split('.', 2) as [string, string | undefined];
    if (tail === undefined) {
      const def = ctx.store.field(t, head);
      if (def) out[def.name] = rec[def.name] ?? null;
      continue;
    }
    const ref = ctx.store.field(t, `${head}Id`);
    const refId = ref ? rec[ref.name] : null;
    const target = typeof refId === 'string' ? ctx.store.find(refId) : undefined;
    const relName = ref ? ref.name.replace(/Id$/, '') : head;
    if (!target) {
      out[relName] = null;
      continue;
    }
    const prev = (out[relName] as Record<string, unknown> | undefined) ?? { attributes: attributes(version, target.type, target.rec.Id) };
    const def = ctx.store.field(target.type, tail);
    if (def) prev[def.name] = target.rec[def.name] ?? null;
    out[relName] = prev;
  }
  for (const { query: sub } of q.subqueries) {
    const rel = childRelationship(t, sub.from);
    if (!rel) continue;
    const rows = ctx.store.sorted(rel.child).filter((r) => r[rel.field] === rec.Id && (!sub.where || evaluate(sub.where, (f) => valueOf(ctx, rel.child, r, f))));
    // An empty child relationship comes back as null, not as an empty result.
    out[rel.name] = rows.length === 0 ? null : { totalSize: rows.length, done: true, records: rows.map((r) => project(ctx, version, rel.child, r, sub)) };
  }
  return out;
}

function childRelationship(t: SfType, name: string): { name: string; child: SfType; field: string } | undefined {
  const found = Object.entries(CHILD_RELATIONSHIPS[t] ?? {}).find(([n]) => n.toLowerCase() === name.toLowerCase());
  return found ? { name: found[0], ...found[1] } : undefined;
}

/** Semi-joins (`Id IN (SELECT OpportunityId FROM ...)`) become plain IN lists before rows are filtered. */
function resolveSemiJoins(ctx: RestCtx, c: Cond): Cond {
  if (c.kind === 'and' || c.kind === 'or') return { ...c, items: c.items.map((x) => resolveSemiJoins(ctx, x)) };
  if (c.kind === 'not') return { ...c, item: resolveSemiJoins(ctx, c.item) };
  if (c.kind !== 'in' || !c.sub) return c;
  const sub = c.sub;
  const st = resolveType(sub.from) as SfType;
  const where = sub.where ? resolveSemiJoins(ctx, sub.where) : undefined;
  const field = sub.fields[0]?.path ?? 'Id';
  const values = ctx.store.sorted(st).filter((r) => !where || evaluate(where, (f) => valueOf(ctx, st, r, f))).map((r) => valueOf(ctx, st, r, field));
  return { kind: 'in', field: c.field, not: c.not, values, col: c.col };
}

function validateQuery(ctx: RestCtx, q: SoqlQuery, text: string): SfType {
  const t = resolveType(q.from);
  if (!t) throw new SoqlError('INVALID_TYPE', caret(text, q.fromCol, `sObject type '${q.from}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`));
  const check = (path: string, col: number): void => {
    const [head, tail] = path.split('.', 2) as [string, string | undefined];
    if (tail === undefined) {
      if (!ctx.store.field(t, head)) throw new SoqlError('INVALID_FIELD', caret(text, col, noSuchColumn(head, t)));
      return;
    }
    const ref = ctx.store.field(t, `${head}Id`);
    const target = ref?.referenceTo && ref.referenceTo !== 'User' ? ref.referenceTo : undefined;
    if (!target || !ctx.store.field(target, tail)) throw new SoqlError('INVALID_FIELD', caret(text, col, `Didn't understand relationship '${head}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`));
  };
  for (const f of q.fields) check(f.path, f.col);
  for (const o of q.orderBy) check(o.field, o.col);
  const walk = (c: NonNullable<SoqlQuery['where']>): void => {
    if (c.kind === 'and' || c.kind === 'or') c.items.forEach(walk);
    else if (c.kind === 'not') walk(c.item);
    else if (c.kind === 'cmp' || c.kind === 'in') check(c.field, c.col);
    if (c.kind === 'in' && c.sub) {
      if (c.sub.fields.length !== 1 || c.sub.subqueries.length > 0) throw new SoqlError('MALFORMED_QUERY', caret(text, c.col, 'a semi-join subquery selects exactly one field'));
      validateQuery(ctx, c.sub, text);
    }
  };
  if (q.where) walk(q.where);
  for (const { query: sub, col } of q.subqueries) {
    const rel = childRelationship(t, sub.from);
    if (!rel) throw new SoqlError('INVALID_TYPE', caret(text, col, `Didn't understand relationship '${sub.from}' in FROM part of query call. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`));
    validateQuery(ctx, { ...sub, from: rel.child }, text);
  }
  return t;
}

function valueOf(ctx: RestCtx, t: SfType, rec: SfRecord, path: string): SoqlValue {
  const [head, tail] = path.split('.', 2) as [string, string | undefined];
  if (tail === undefined) return rec[ctx.store.field(t, head)?.name ?? head] ?? null;
  const ref = ctx.store.field(t, `${head}Id`);
  const id = ref ? rec[ref.name] : null;
  const target = typeof id === 'string' ? ctx.store.find(id) : undefined;
  if (!target) return null;
  return target.rec[ctx.store.field(target.type, tail)?.name ?? tail] ?? null;
}

/** `GET /query?q=`: runs the whole query, hands out the first batch and keeps the rest behind a locator. */
export function runQuery(ctx: RestCtx, version: string, text: string | null, batchHeader: string | undefined): Reply {
  let q: SoqlQuery;
  let t: SfType;
  try {
    q = parseSoql(text ?? '');
    t = validateQuery(ctx, q, text ?? '');
  } catch (e) {
    if (e instanceof SoqlError) return sfError(400, e.errorCode, e.message);
    throw e;
  }
  const where = q.where ? resolveSemiJoins(ctx, q.where) : undefined;
  let rows = ctx.store.sorted(t).filter((r) => !where || evaluate(where, (f) => valueOf(ctx, t, r, f)));
  const order = q.orderBy.length > 0 ? q.orderBy : [{ field: 'Id', desc: false, nullsLast: false, col: 0 }];
  rows = rows.sort((a, b) => {
    for (const o of order) {
      const va = valueOf(ctx, t, a, o.field);
      const vb = valueOf(ctx, t, b, o.field);
      if (va === null || vb === null) {
        if (va === vb) continue;
        return (va === null) === o.nullsLast ? 1 : -1;
      }
      const d = o.field.toLowerCase() === 'id' ? (String(va) < String(vb) ? -1 : String(va) > String(vb) ? 1 : 0) : compare(va, vb);
      if (d !== 0) return o.desc ? -d : d;
    }
    return 0;
  });
  rows = rows.slice(q.offset ?? 0, q.limit === undefined ? undefined : (q.offset ?? 0) + q.limit);
  const m = /batchSize=(\d+)/i.exec(batchHeader ?? '');
  // The header is a hint Salesforce clamps to 200..2000.
  const batch = m ? Math.min(2000, Math.max(ctx.minBatchSize, Number(m[1]))) : ctx.batchSize;
  const records = rows.map((r) => project(ctx, version, t, r, q));
  return page(ctx, version, records, 0, batch, undefined);
}

function page(ctx: RestCtx, version: string, records: Array<Record<string, unknown>>, offset: number, batch: number, locator: string | undefined): Reply {
  const slice = records.slice(offset, offset + batch);
  const done = offset + batch >= records.length;
  const body: Record<string, unknown> = { totalSize: records.length, done };
  if (!done) {
    const loc = locator ?? ctx.nextLocator();
    ctx.cursors.set(loc, { records, batch });
    body.nextRecordsUrl = `/services/data/${version}/query/${loc}-${offset + batch}`;
  }
  body.records = slice;
  return { status: 200, json: body };
}

/** `GET /query/<locator>-<offset>` */
export function queryMore(ctx: RestCtx, version: string, token: string): Reply {
  const m = /^(.+)-(\d+)$/.exec(token);
  const cur = m ? ctx.cursors.get(m[1] ?? '') : undefined;
  if (!m || !cur) return sfError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
  return page(ctx, version, cur.records, Number(m[2]), cur.batch, m[1]);
}

function coerce(def: FieldDef, v: unknown): { ok: SoqlValue } | { error: Reply } {
  if (v === null) return { ok: null };
  const bad = (): { error: Reply } => ({ error: sfError(400, 'JSON_PARSER_ERROR', `Cannot deserialize instance of ${def.type} from VALUE_STRING value ${String(v)} or request may be missing a required field`) });
  switch (def.type) {
    case 'double':
    case 'currency':
    case 'percent':
    case 'int': {
      const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
      if (Number.isNaN(n) || (def.type === 'int' && !Number.isInteger(n))) return bad();
      return { ok: n };
    }
    case 'boolean':
      if (typeof v === 'boolean') return { ok: v };
      if (v === 'true' || v === 'false') return { ok: v === 'true' };
      return bad();
    case 'date':
      if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}/.test(v) && !Number.isNaN(Date.parse(v.slice(0, 10)))) return { ok: v.slice(0, 10) };
      return bad();
    case 'datetime':
      if (typeof v === 'string' && !Number.isNaN(Date.parse(v))) return { ok: new Date(Date.parse(v)).toISOString().replace('Z', '+0000') };
      return bad();
    default:
      if (typeof v === 'object') return bad();
      return { ok: String(v) };
  }
}

/** Validates a create/update body; returns canonical values or the Salesforce error reply. */
function checkBody(ctx: RestCtx, t: SfType, body: unknown, creating: boolean, existing?: SfRecord): { values: SfRecord } | { error: Reply } {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return { error: sfError(400, 'JSON_PARSER_ERROR', 'Cannot deserialize instance of sObject from the request body') };
  const values: SfRecord = {};
  const readOnly: string[] = [];
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    if (k === 'attributes') continue;
    const def = ctx.store.field(t, k);
    if (def?.name === 'Id') return { error: sfError(400, 'INVALID_FIELD', 'The Id field should not be specified in the sobject data.') };
    if (!def) return { error: sfError(400, 'INVALID_FIELD', `No such column '${k}' on sobject of type ${t}`) };
    if (def.readOnly) {
      readOnly.push(def.name);
      continue;
    }
    const c = coerce(def, v);
    if ('error' in c) return c;
    const picklist = t === 'Opportunity' && def.name === 'StageName' ? ctx.store.activeStages() : def.picklist;
    if (picklist && c.ok !== null && !picklist.includes(String(c.ok))) {
      return { error: sfError(400, 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', `${def.label ?? def.name}: bad value for restricted picklist field: ${String(c.ok)}`, [def.name]) };
    }
    if (def.type === 'reference' && c.ok !== null) {
      const id = String(c.ok);
      const refType = def.referenceTo && def.referenceTo !== 'User' ? def.referenceTo : undefined;
      if (!isWellFormedId(id)) return { error: sfError(400, 'MALFORMED_ID', `${refType ?? 'Record'} ID: id value of incorrect type: ${id}`, [def.name]) };
      if (def.referenceTo !== 'User' && (!typeOfId(id) || !ctx.store.find(id) || (refType && typeOfId(id) !== refType))) {
        return { error: sfError(400, 'INVALID_CROSS_REFERENCE_KEY', `invalid cross reference id`, [def.name]) };
      }
    }
    values[def.name] = c.ok;
  }
  if (readOnly.length > 0) {
    return { error: sfError(400, 'INVALID_FIELD_FOR_INSERT_UPDATE', `Unable to create/update fields: ${readOnly.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`, readOnly) };
  }
  const missing = ctx.store.fields(t).filter((f) => {
    if (!f.required) return false;
    const v = f.name in values ? values[f.name] : creating ? (f.default ?? null) : existing?.[f.name];
    return v === null || v === undefined || v === '';
  }).map((f) => f.name);
  if (missing.length > 0) return { error: sfError(400, 'REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.join(', ')}]`, missing) };
  return { values };
}

function lookup(ctx: RestCtx, t: SfType, id: string): { rec: SfRecord } | { error: Reply } {
  if (!isWellFormedId(id)) return { error: sfError(400, 'MALFORMED_ID', `${t} ID: id value of incorrect type: ${id}`) };
  const rec = ctx.store.get(t, id);
  return rec ? { rec } : { error: notFound() };
}

/** `/sobjects/{type}[/{id}]` for GET, POST, PATCH, DELETE. */
export function sobject(ctx: RestCtx, version: string, method: string, typeName: string, id: string | undefined, rawBody: string, query: URLSearchParams): Reply {
  const t = resolveType(typeName);
  if (!t) return notFound();
  if (READ_ONLY_TYPES.has(t) && method !== 'GET') return sfError(400, 'INVALID_TYPE_FOR_OPERATION', `entity type ${t} does not support ${method === 'POST' ? 'insert' : method === 'DELETE' ? 'delete' : 'update'}`);
  let body: unknown;
  if (method === 'POST' || method === 'PATCH') {
    try {
      body = JSON.parse(rawBody);
    } catch {
      return sfError(400, 'JSON_PARSER_ERROR', 'Unexpected character: was expecting JSON at [line:1, column:1]');
    }
  }
  if (id === undefined) {
    if (method === 'GET') return { status: 200, json: { objectDescribe: { name: t, label: t, keyPrefix: null, queryable: true }, recentItems: [] } };
    if (method !== 'POST') return sfError(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${method}' not allowed. Allowed are GET,POST`);
    const c = checkBody(ctx, t, body, true);
    if ('error' in c) return c.error;
    const rec = ctx.store.insert(t, c.values, ctx.now());
    return { status: 201, headers: { location: `/services/data/${version}/sobjects/${t}/${String(rec.Id)}` }, json: { id: rec.Id, errors: [], success: true } };
  }
  const found = lookup(ctx, t, id);
  if ('error' in found) return found.error;
  const rec = found.rec;
  switch (method) {
    case 'GET': {
      const wanted = query.get('fields');
      const out: Record<string, unknown> = { attributes: attributes(version, t, rec.Id) };
      if (wanted) {
        for (const f of wanted.split(',').map((s) => s.trim()).filter(Boolean)) {
          const def = ctx.store.field(t, f);
          if (!def) return sfError(400, 'INVALID_FIELD', noSuchColumn(f, t));
          out[def.name] = rec[def.name] ?? null;
        }
      } else for (const f of ctx.store.fields(t)) out[f.name] = rec[f.name] ?? null;
      return { status: 200, json: out };
    }
    case 'PATCH': {
      const c = checkBody(ctx, t, body, false, rec);
      if ('error' in c) return c.error;
      ctx.store.update(t, rec, c.values, ctx.now());
      return { status: 204, text: '' };
    }
    case 'DELETE':
      ctx.store.records[t].delete(rec.Id as string);
      return { status: 204, text: '' };
    default:
      return sfError(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${method}' not allowed. Allowed are GET,PATCH,DELETE`);
  }
}
