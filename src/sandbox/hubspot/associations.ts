/**
 * `POST /crm/v4/associations/{from}/{to}/batch/read` (and the date-versioned
 * `/crm/associations/{version}/…`): each input id's associated ids, `toObjectId` a number as v4 sends it.
 * Inputs with no association are reported under `errors` and the answer is 207 Multi-Status
 * (observed shape; the subCategory text is unverified).
 */
import type { Reply } from '../http.js';
import { validation } from './errors.js';
import { ASSOCIATION_TYPES, HS_TYPES, SINGULAR, type HsType } from './schema.js';
import type { HubSpotStore } from './store.js';

const typeIdOf = (from: HsType, to: HsType): number =>
  Number(Object.entries(ASSOCIATION_TYPES).find(([, d]) => d.from === from && d.to === to)?.[0] ?? 0);

export function batchReadAssociations(store: HubSpotStore, from: string, to: string, body: unknown, nowIso: string): Reply {
  if (!(HS_TYPES as readonly string[]).includes(from) || !(HS_TYPES as readonly string[]).includes(to)) return validation(`Unable to infer object type from: ${from}/${to}`);
  const f = from as HsType;
  const t = to as HsType;
  const inputs = body && typeof body === 'object' && Array.isArray((body as { inputs?: unknown }).inputs) ? (body as { inputs: Array<{ id?: unknown }> }).inputs : undefined;
  if (!inputs) return validation('Invalid input JSON: inputs is required');
  if (inputs.length > 1000) return validation(`Too many inputs (${inputs.length}); at most 1000`);
  const results: unknown[] = [];
  const errors: unknown[] = [];
  for (const input of inputs) {
    const id = String(input.id ?? '');
    const ids = store.get(f, id) ? (store.associationsOf(f, id, [t])[t]?.results ?? []).map((r) => r.id) : [];
    if (ids.length === 0) {
      errors.push({ status: 'error', category: 'VALIDATION_ERROR', subCategory: 'crm.associations.NO_ASSOCIATIONS_FOUND', context: { fromObjectId: [id] }, message: `No ${SINGULAR[t]} is associated with ${SINGULAR[f]} ${id}.` });
      continue;
    }
    results.push({ from: { id }, to: ids.map((x) => ({ toObjectId: Number(x), associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: typeIdOf(f, t), label: null }] })) });
  }
  const json = { status: 'COMPLETE', results, ...(errors.length > 0 ? { numErrors: errors.length, errors } : {}), startedAt: nowIso, completedAt: nowIso };
  return { status: errors.length > 0 ? 207 : 200, json };
}
