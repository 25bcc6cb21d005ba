/**
 * Pure response processing: classify provider errors by the definition's rules, extract
 * records and the next page, map raw records to the unified model and validate them.
 * Garbage from a provider becomes a CrmMcpError('provider_error'), never a crash.
 */
import { CrmMcpError, isCrmMcpError } from '../core/errors.js';
import { NOT_FAST, type ExpressionCompiler } from '../integrations/expressions.js';
import type { Definition, ErrorRule, Operation, Resource } from '../integrations/schema.js';
import { RECORD_SCHEMAS, type UnifiedResource } from '../unified/models.js';
import { sameAfterParse } from '../unified/same-after-parse.js';
import type { EngineErrorCode } from './types.js';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, or undefined for an empty body. */
  body: unknown;
  /** True when a non-empty body was not JSON. */
  unparsable: boolean;
}

export function parseBody(text: string): { body: unknown; unparsable: boolean } {
  if (text.trim() === '') return { body: undefined, unparsable: false };
  try {
    return { body: JSON.parse(text), unparsable: false };
  } catch {
    return { body: undefined, unparsable: true };
  }
}

export interface ClassifiedError {
  kind: ErrorRule['kind'] | 'server' | 'unknown';
  code: EngineErrorCode;
  message: string;
  provider_code?: string;
  fields?: string[];
}

const KIND_CODE: Record<ClassifiedError['kind'], EngineErrorCode> = {
  expired_token: 'needs_reauth',
  revoked: 'needs_reauth',
  rate_limited: 'rate_limited',
  not_found: 'not_found',
  validation: 'validation',
  unavailable: 'provider_unavailable',
  forbidden: 'provider_error',
  server: 'provider_unavailable',
  unknown: 'provider_error',
};

function defaultKind(status: number): ClassifiedError['kind'] {
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'server';
  if (status === 404) return 'not_found';
  if (status === 400 || status === 422) return 'validation';
  return 'unknown';
}

async function str(compiler: ExpressionCompiler, def: Definition, expr: string | undefined, body: unknown, b: Record<string, unknown>, where: string): Promise<string | undefined> {
  if (!expr) return undefined;
  const v = await compiler.evaluate(expr, body, b, where, def.functions).catch((e: unknown) => {
    if (isCrmMcpError(e, 'mapping_bound')) throw e;
    return undefined;
  });
  return typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined;
}

/** First matching rule wins; unmatched statuses fall back to generic kinds. */
export async function classifyError(def: Definition, compiler: ExpressionCompiler, res: RawResponse): Promise<ClassifiedError> {
  const b = { status: res.status, headers: res.headers, vars: def.vars };
  for (const [i, rule] of def.errors.entries()) {
    if (rule.status && !rule.status.includes(res.status)) continue;
    const where = `${def.name} errors.${i}`;
    if (rule.match) {
      const ok = await compiler.evaluate(rule.match, res.body ?? {}, b, `${where}.match`, def.functions).catch((e: unknown) => {
        if (isCrmMcpError(e, 'mapping_bound')) throw e;
        return false;
      });
      if (ok !== true) continue;
    }
    const message = (await str(compiler, def, rule.message, res.body, b, `${where}.message`)) ?? `${def.display_name} answered HTTP ${res.status}`;
    const provider_code = await str(compiler, def, rule.provider_code, res.body, b, `${where}.provider_code`);
    let fields: string[] | undefined;
    if (rule.fields) {
      const f = await compiler.evaluate(rule.fields, res.body ?? {}, b, `${where}.fields`, def.functions).catch((e: unknown) => {
        if (isCrmMcpError(e, 'mapping_bound')) throw e;
        return undefined;
      });
      const arr = Array.isArray(f) ? f : typeof f === 'string' ? [f] : [];
      const names = arr.filter((x): x is string => typeof x === 'string');
      if (names.length) fields = [...new Set(names)];
    }
    return { kind: rule.kind, code: KIND_CODE[rule.kind], message, ...(provider_code ? { provider_code } : {}), ...(fields ? { fields } : {}) };
  }
  const kind = defaultKind(res.status);
  return { kind, code: KIND_CODE[kind], message: `${def.display_name} answered HTTP ${res.status}${res.unparsable ? ' with a non-JSON body' : ''}` };
}

export interface MapOptions {
  includeRemoteData?: boolean;
  fields?: string[];
}

/**
 * Raw provider record → validated unified record (plus custom_fields, remote_data, field
 * selection). Synchronous when the mapping runs on the compiled fast path and there are no
 * custom fields (a list maps 100 records without 100 awaits); a promise otherwise.
 */
export function mapRecord(
  def: Definition,
  compiler: ExpressionCompiler,
  resourceName: UnifiedResource,
  resource: Resource,
  raw: unknown,
  opts: MapOptions,
): Record<string, unknown> | Promise<Record<string, unknown>> {
  return recordMapper(def, compiler, resourceName, resource, opts)(raw);
}

/** Records in order, one after the other; a record mapped synchronously is not awaited (a microtask each). */
export async function mapRecords(def: Definition, compiler: ExpressionCompiler, resourceName: UnifiedResource, resource: Resource, raws: unknown[], opts: MapOptions): Promise<Array<Record<string, unknown>>> {
  const map = recordMapper(def, compiler, resourceName, resource, opts);
  const out: Array<Record<string, unknown>> = [];
  for (const raw of raws) {
    const rec = map(raw);
    out.push(rec instanceof Promise ? await rec : rec);
  }
  return out;
}

/** mapRecord for one resource, with what every record shares (names, bindings) made once per page. */
function recordMapper(def: Definition, compiler: ExpressionCompiler, resourceName: UnifiedResource, resource: Resource, opts: MapOptions): (raw: unknown) => Record<string, unknown> | Promise<Record<string, unknown>> {
  const where = `${def.name} resources.${resourceName}`;
  const mappingWhere = `${where}.mapping`;
  const bindings = { vars: def.vars };
  return (raw) => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new CrmMcpError('provider_error', `${def.display_name} returned a ${resourceName} record that is not an object`);
    }
    if (!resource.custom_fields) {
      const mapped = compiler.evaluateFast(resource.mapping, raw, bindings, mappingWhere, def.functions);
      if (mapped !== NOT_FAST) return finishRecord(def, resourceName, raw, mapped, undefined, opts);
    }
    return mapRecordAsync(def, compiler, resourceName, resource, raw, opts, where);
  };
}

async function mapRecordAsync(
  def: Definition,
  compiler: ExpressionCompiler,
  resourceName: UnifiedResource,
  resource: Resource,
  raw: object,
  opts: MapOptions,
  where: string,
): Promise<Record<string, unknown>> {
  const mapped = await compiler.evaluate(resource.mapping, raw, { vars: def.vars }, `${where}.mapping`, def.functions);
  let custom: Record<string, unknown> | undefined;
  if (resource.custom_fields) {
    if (typeof mapped !== 'object' || mapped === null || Array.isArray(mapped)) return finishRecord(def, resourceName, raw, mapped, undefined, opts);
    custom = {};
    for (const [k, cf] of Object.entries(resource.custom_fields)) {
      const v = await compiler.evaluate(cf.expr, raw, { vars: def.vars }, `${where}.custom_fields.${k}.expr`, def.functions);
      custom[k] = v === undefined ? null : v;
    }
  }
  return finishRecord(def, resourceName, raw, mapped, custom, opts);
}

const SAME_AFTER_PARSE = {
  contacts: sameAfterParse(RECORD_SCHEMAS.contacts),
  companies: sameAfterParse(RECORD_SCHEMAS.companies),
  deals: sameAfterParse(RECORD_SCHEMAS.deals),
  notes: sameAfterParse(RECORD_SCHEMAS.notes),
};

/**
 * A list entry that is null (an association without an id, a null link) says nothing: lists never
 * carry nulls. Copied before the first change only: a mapping may return (part of) the raw record.
 */
function nullsDropped(mapped: Record<string, unknown>, custom: Record<string, unknown> | undefined): Record<string, unknown> {
  let rec = mapped;
  let copied = false;
  const own = (): Record<string, unknown> => (copied ? rec : ((copied = true), (rec = { ...rec })));
  for (const k in rec) {
    if (!Object.hasOwn(rec, k)) continue;
    const v = rec[k];
    if (Array.isArray(v) && v.includes(null)) own()[k] = v.filter((x) => x !== null);
  }
  if (custom) own().custom_fields = { ...((rec.custom_fields as Record<string, unknown> | undefined) ?? {}), ...custom };
  return rec;
}

function parsedRecord(def: Definition, resourceName: UnifiedResource, rec: Record<string, unknown>): Record<string, unknown> {
  const parsed = RECORD_SCHEMAS[resourceName].safeParse(rec);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue ? issue.path.map(String).join('.') : '';
    throw new CrmMcpError('provider_error', `${def.display_name} returned a ${resourceName} record of the wrong shape (${path}: ${issue?.message ?? 'invalid'})`);
  }
  return parsed.data as Record<string, unknown>;
}

/** `custom`: the values of the resource's `custom_fields` expressions, when it declares any. */
function finishRecord(def: Definition, resourceName: UnifiedResource, raw: object, mapped: unknown, custom: Record<string, unknown> | undefined, opts: MapOptions): Record<string, unknown> {
  if (typeof mapped !== 'object' || mapped === null || Array.isArray(mapped)) {
    throw new CrmMcpError('provider_error', `${def.display_name} returned a ${resourceName} record the mapping could not read`);
  }
  const rec = mapped as Record<string, unknown>;
  // What zod would give back is the record itself, none of its lists holding a null: a shallow
  // copy (changed below) is the same.
  let out = custom === undefined && SAME_AFTER_PARSE[resourceName]?.(rec) ? { ...rec } : parsedRecord(def, resourceName, nullsDropped(rec, custom));
  if (opts.fields && opts.fields.length) {
    const keep = new Set(['id', ...opts.fields]);
    out = Object.fromEntries(Object.entries(out).filter(([k]) => keep.has(k)));
  }
  if (opts.includeRemoteData) out.remote_data = raw as Record<string, unknown>;
  else delete out.remote_data;
  return out;
}

/** `input`: the call's unified input, bound as $input (a filtered list may state what the filter implies). */
export async function extractRecords(def: Definition, compiler: ExpressionCompiler, op: Operation, body: unknown, where: string, input: Record<string, unknown> = {}): Promise<unknown[]> {
  if (typeof body !== 'object' || body === null) throw new CrmMcpError('provider_error', `${def.display_name} returned a list response that is not a JSON object`);
  const v = op.records ? await compiler.evaluate(op.records, body, { vars: def.vars, input }, `${where}.records`, def.functions) : body;
  if (v === undefined) return [];
  if (!Array.isArray(v)) return typeof v === 'object' && v !== null ? [v] : Promise.reject(new CrmMcpError('provider_error', `${def.display_name} returned a list without a record array`));
  return v as unknown[];
}

export async function extractRecord(def: Definition, compiler: ExpressionCompiler, op: Operation, body: unknown, where: string): Promise<unknown> {
  if (typeof body !== 'object' || body === null) throw new CrmMcpError('provider_error', `${def.display_name} returned a record response that is not a JSON object`);
  return op.record ? compiler.evaluate(op.record, body, { vars: def.vars }, `${where}.record`, def.functions) : body;
}

/** The next page's state, or null on the last page. */
export async function nextPage(
  compiler: ExpressionCompiler,
  def: Definition,
  op: Operation,
  body: unknown,
  ctx: { where: string; page?: string | number; count: number; limit?: number },
): Promise<string | number | null> {
  const pag = op.pagination;
  if (!pag) return null;
  const where = `${ctx.where}.pagination`;
  const ev = (expr: string, at: string) => compiler.evaluate(expr, body, { vars: def.vars }, `${where}.${at}`, def.functions);
  switch (pag.type) {
    case 'cursor':
    case 'page_token': {
      const v = await ev(pag.next, 'next');
      return typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : null;
    }
    case 'next_url': {
      if (pag.done && (await ev(pag.done, 'done')) === true) return null;
      const v = await ev(pag.next, 'next');
      return typeof v === 'string' && v.startsWith('/') && !v.startsWith('//') ? v : null;
    }
    case 'offset': {
      const offset = typeof ctx.page === 'number' ? ctx.page : 0;
      const more = pag.has_more ? (await ev(pag.has_more, 'has_more')) === true : ctx.limit !== undefined && ctx.count >= ctx.limit;
      return more && ctx.count > 0 ? offset + ctx.count : null;
    }
  }
}
