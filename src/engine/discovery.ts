/**
 * Live discovery of a CRM's own schema (describe_crm): for each resource the definition's
 * `discovery.properties` / `discovery.pipelines` calls, their `result` expressions normalised into
 * fields and pipelines, plus the custom fields the account's overrides declare. Kept per account in
 * memory for a TTL on the injected clock; the key carries the resolved definition's identity, so an
 * override change is a miss. A failed call is reported on its object and not cached.
 */
import type { LinkedAccount } from '../accounts/model.js';
import type { Clock } from '../core/deps.js';
import type { ExpressionCompiler } from '../integrations/expressions.js';
import type { Definition, ProviderCall, Resource } from '../integrations/schema.js';
import { UNIFIED_RESOURCES, type UnifiedResource } from '../unified/models.js';
import type { RawResponse } from './response.js';
import type { AccountSchemaFacts, CrmDescription, DiscoveredField, DiscoveredPipeline, EngineError, ObjectDescription } from './types.js';

/** Sends one provider call for `resource` (credential, refresh-and-retry and host checks included). */
export type SendCall = (resourceName: UnifiedResource, resource: Resource, call: ProviderCall, where: string) => Promise<RawResponse>;

export interface DiscoveryDeps {
  clock: Pick<Clock, 'now'>;
  compiler: ExpressionCompiler;
  /** How long a description stays fresh (default 10 min). */
  ttlMs?: number;
  /** Most accounts kept (oldest dropped first; default 1000). */
  maxEntries?: number;
  /** Turns an error response into the engine's error (the definition's `errors` rules). */
  classify(def: Definition, res: RawResponse): Promise<EngineError>;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : null);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);
const obj = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

function toField(v: unknown): DiscoveredField | undefined {
  const o = obj(v);
  const name = str(o.name);
  if (!name) return undefined;
  const options = list(o.options)
    .map((x) => obj(x))
    .flatMap((x) => (str(x.value) !== null ? [{ value: str(x.value) as string, label: str(x.label) ?? (str(x.value) as string) }] : []));
  return {
    name,
    label: str(o.label),
    type: str(o.type) ?? 'string',
    ...(options.length > 0 ? { options } : {}),
    ...(o.custom === true ? { custom: true } : {}),
    ...(o.read_only === true ? { read_only: true } : {}),
  };
}

function toPipeline(v: unknown): DiscoveredPipeline | undefined {
  const o = obj(v);
  const stages = list(o.stages)
    .map((x) => obj(x))
    .flatMap((x) => (str(x.id) !== null ? [{ id: str(x.id) as string, label: str(x.label) ?? (str(x.id) as string) }] : []));
  if (stages.length === 0) return undefined;
  return { id: str(o.id), label: str(o.label) ?? str(o.id) ?? 'Stages', stages };
}

export interface Discovery {
  describe(def: Definition, account: LinkedAccount, send: SendCall, refresh: boolean): Promise<{ description: CrmDescription; cached: boolean }>;
  /** The fresh cached description, if any (no I/O): what tool schemas may say about stages. */
  cached(def: Definition, account: LinkedAccount): CrmDescription | undefined;
}

export function createDiscovery(deps: DiscoveryDeps): Discovery {
  const ttl = deps.ttlMs ?? 10 * 60_000;
  const max = deps.maxEntries ?? 1000;
  // Keyed by account; `def` is the resolved definition object (the resolver caches it per override hash).
  const cache = new Map<string, { def: Definition; at: number; description: CrmDescription }>();

  const fresh = (def: Definition, account: LinkedAccount) => {
    const hit = cache.get(account.id);
    return hit && hit.def === def && deps.clock.now() - hit.at < ttl ? hit : undefined;
  };

  async function evaluate(def: Definition, call: ProviderCall, body: unknown, where: string): Promise<unknown[]> {
    return list(await deps.compiler.evaluate(call.result, body ?? {}, { vars: def.vars }, `${where}.result`, def.functions));
  }

  async function object(def: Definition, name: UnifiedResource, resource: Resource, send: SendCall): Promise<ObjectDescription> {
    const out: ObjectDescription = { resource: name, custom_fields: customFields(resource) };
    const where = `${def.name} resources.${name}.discovery`;
    for (const kind of ['properties', 'pipelines'] as const) {
      const call = resource.discovery?.[kind];
      if (!call) continue;
      const res = await send(name, resource, call, `discovery.${kind}`);
      if (res.status >= 400 || res.unparsable) {
        out.error = res.unparsable ? { code: 'provider_error', message: `${def.display_name} answered the ${kind} call with a body that is not JSON`, status: res.status } : await deps.classify(def, res);
        continue;
      }
      const items = await evaluate(def, call, res.body, `${where}.${kind}`);
      if (kind === 'properties') out.properties = items.flatMap((x) => toField(x) ?? []);
      else out.pipelines = items.flatMap((x) => toPipeline(x) ?? []);
    }
    return out;
  }

  return {
    cached: (def, account) => fresh(def, account)?.description,
    async describe(def, account, send, refresh) {
      const hit = refresh ? undefined : fresh(def, account);
      if (hit) return { description: hit.description, cached: true };
      const objects: ObjectDescription[] = [];
      for (const name of UNIFIED_RESOURCES) {
        const resource = def.resources[name];
        if (resource) objects.push(await object(def, name, resource, send));
      }
      const description: CrmDescription = { integration: def.name, display_name: def.display_name, objects, fetched_at: new Date(deps.clock.now()).toISOString() };
      if (!objects.some((o) => o.error)) {
        cache.delete(account.id);
        if (cache.size >= max) cache.delete(cache.keys().next().value as string);
        cache.set(account.id, { def, at: deps.clock.now(), description });
      }
      return { description, cached: false };
    },
  };
}

/** The custom fields an override declares on a resource, as tool schemas and describe_crm show them. */
export function customFields(resource: Resource | undefined): ObjectDescription['custom_fields'] {
  return Object.fromEntries(
    Object.entries(resource?.custom_fields ?? {}).map(([k, c]) => [k, { ...(c.field ? { field: c.field } : {}), ...(c.type ? { type: c.type } : {}), ...(c.description ? { description: c.description } : {}) }]),
  );
}

/** A CRM's field type (HubSpot, Salesforce describe) as the JSON type a tool schema declares. */
export function jsonTypeOf(crmType: string): string {
  const t = crmType.toLowerCase();
  if (t === 'int' || t === 'integer') return 'integer';
  if (['number', 'double', 'currency', 'percent', 'decimal'].includes(t)) return 'number';
  if (t === 'bool' || t === 'boolean') return 'boolean';
  if (t === 'date') return 'date';
  if (t === 'datetime') return 'datetime';
  return 'string';
}

/** Custom fields typed by the override or the discovered property, and the deal stages a fresh discovery knows. */
export function schemaFactsOf(def: Definition, d: CrmDescription | undefined): AccountSchemaFacts {
  const facts: AccountSchemaFacts = { custom_fields: {} };
  for (const r of UNIFIED_RESOURCES) {
    const declared = def.resources[r]?.custom_fields;
    if (!declared || Object.keys(declared).length === 0) continue;
    const props = d?.objects.find((o) => o.resource === r)?.properties;
    facts.custom_fields[r] = Object.fromEntries(
      Object.entries(declared).map(([k, c]) => {
        const p = c.field ? props?.find((x) => x.name === c.field) : undefined;
        const type = c.type ?? (p ? jsonTypeOf(p.type) : undefined);
        const options = p?.options?.map((o) => o.value);
        return [k, { ...(c.field ? { field: c.field } : {}), ...(type ? { type } : {}), ...(c.description ? { description: c.description } : {}), ...(options?.length ? { options } : {}) }];
      }),
    );
  }
  const pipelines = d?.objects.find((o) => o.resource === 'deals')?.pipelines;
  if (pipelines?.length) facts.stages = pipelines.flatMap((p) => p.stages.map((s) => ({ id: s.id, label: s.label, pipeline: p.id })));
  return facts;
}
