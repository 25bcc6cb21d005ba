/**
 * Associations in the engine: which list operation serves a call filtered by a linked record
 * (`contact_id`, `company_id`, `deal_id` — the definition's `filters`, possibly on `list_filtered`), and
 * the `includes` calls that fill a list per page (a contact's `deal_ids`) with one provider call.
 */
import type { ExpressionCompiler } from '../integrations/expressions.js';
import type { Definition, IncludeName, Operation, ProviderCall, Resource } from '../integrations/schema.js';
import type { UnifiedResource } from '../unified/models.js';
import type { RawResponse } from './response.js';
import type { EngineError, EngineRequest } from './types.js';

export const LIST_FILTERS = ['contact_id', 'company_id', 'deal_id'] as const;

export type ChosenOperation = { op: Operation | undefined; name: string; binding: string } | { error: EngineError };

export function chooseListOperation(def: Definition, resourceName: UnifiedResource, resource: Resource | undefined, req: Pick<EngineRequest, 'method' | 'input'>): ChosenOperation {
  const op = resource?.[req.method];
  if (req.method !== 'list' || !resource) return { op, name: req.method, binding: req.method };
  const asked = LIST_FILTERS.filter((f) => req.input?.[f] !== undefined);
  if (asked.length === 0) return { op, name: 'list', binding: 'list' };
  const filtered = resource.list_filtered ?? op;
  const honoured = filtered?.filters ?? [];
  const refused = asked.filter((f) => !honoured.includes(f));
  if (refused.length > 0) {
    const can = honoured.length > 0 ? `; it filters them by ${honoured.join(' or ')}` : '';
    return { error: { code: 'validation', message: `${def.display_name} cannot filter ${resourceName} by ${refused.join(' or ')}${can}`, fields: refused } };
  }
  // The filter values are part of what a cursor pages through: contact A's cursor does not continue contact B's list.
  const binding = `list?${asked.map((f) => `${f}=${String(req.input?.[f])}`).join('&')}`;
  return { op: filtered, name: resource.list_filtered ? 'list_filtered' : 'list', binding };
}

const obj = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const ids = (v: unknown): string[] => {
  const arr = Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
  return [...new Set(arr.filter((x) => typeof x === 'string' || typeof x === 'number').map(String))];
};

export type SendInclude = (call: ProviderCall, method: string, extra: Record<string, unknown>) => Promise<RawResponse>;

/**
 * Sets `record[name]` on every record of the page from one call per include (`$ids` = the page's ids;
 * `result` → {record id: [ids]}; a record the result does not name gets []). `failed`: the provider
 * answered an error; `last`: the last response (for its rate-limit headers).
 */
export async function applyIncludes(
  def: Definition,
  compiler: ExpressionCompiler,
  resourceName: UnifiedResource,
  resource: Resource,
  data: Array<Record<string, unknown>>,
  include: readonly IncludeName[],
  send: SendInclude,
): Promise<{ error?: EngineError; failed?: RawResponse; last?: RawResponse }> {
  let last: RawResponse | undefined;
  for (const name of new Set(include)) {
    const call = resource.includes?.[name];
    if (!call) return { error: { code: 'validation', message: `${def.display_name} cannot include ${name} with ${resourceName}`, fields: ['include'] } };
    const pageIds = data.map((r) => String(r.id));
    if (pageIds.length === 0) continue;
    const method = `includes.${name}`;
    last = await send(call, method, { ids: pageIds });
    if (last.status >= 400) return { failed: last, last };
    if (last.unparsable) return { error: { code: 'provider_error', message: `${def.display_name} answered the ${name} call with a body that is not JSON`, status: last.status }, last };
    const byId = obj(await compiler.evaluate(call.result, last.body ?? {}, { vars: def.vars, ids: pageIds }, `${def.name} resources.${resourceName}.${method}.result`, def.functions));
    for (const r of data) r[name] = ids(byId[String(r.id)]);
  }
  return last ? { last } : {};
}
