/**
 * What describe_crm shows, from the engine's CrmDescription: per object the unified fields (name and
 * type, writable or not), the account's custom fields, the CRM's own properties and the pipelines with
 * their stages in order. Compact by default — the customer's own (custom) properties in full, the CRM's
 * standard picklists by name, a count of the rest — so a typical account fits in about 2,000 tokens
 * however many standard properties the CRM has; `object` lists all of one object's properties,
 * `search` the properties whose name or label contains the text.
 */
import { z } from 'zod';
import type { CrmDescription, DiscoveredField, ObjectDescription } from '../../engine/types.js';
import { RECORD_SCHEMAS, WRITE_SCHEMAS, type UnifiedResource } from '../../unified/models.js';

export interface ViewOptions {
  object?: UnifiedResource;
  search?: string;
  /** Resources this server has a write tool for. */
  writable: ReadonlySet<UnifiedResource>;
}

/** At most this many picklist options per property in the text (structuredContent has them all). */
const TEXT_OPTIONS = 12;

function unifiedType(s: z.ZodType): string {
  const j = z.toJSONSchema(s, { unrepresentable: 'any', io: 'output' }) as { type?: string | string[]; anyOf?: Array<{ type?: string }>; items?: { type?: string } };
  const t = Array.isArray(j.type) ? j.type.find((x) => x !== 'null') : (j.type ?? j.anyOf?.find((x) => x.type && x.type !== 'null')?.type);
  if (t === 'array') return `list of ${j.items?.type === 'object' ? 'objects' : `${j.items?.type ?? 'any'}s`}`;
  return t ?? 'any';
}

const unifiedCache = new Map<UnifiedResource, Array<{ name: string; type: string; write: boolean }>>();
function unifiedFields(r: UnifiedResource): Array<{ name: string; type: string; write: boolean }> {
  let out = unifiedCache.get(r);
  if (!out) {
    const writable = new Set(Object.keys(WRITE_SCHEMAS[r].shape));
    out = Object.entries(RECORD_SCHEMAS[r].shape)
      .filter(([k]) => k !== 'remote_data' && k !== 'custom_fields')
      .map(([name, s]) => ({ name, type: unifiedType(s as z.ZodType), write: writable.has(name) }));
    unifiedCache.set(r, out);
  }
  return out;
}

const isPicklist = (p: DiscoveredField) => (p.options?.length ?? 0) > 0;

function matches(p: DiscoveredField, needle: string): boolean {
  const n = needle.toLowerCase();
  return p.name.toLowerCase().includes(n) || (p.label ?? '').toLowerCase().includes(n);
}

export interface ObjectView {
  object: UnifiedResource;
  unified_fields: Array<{ name: string; type: string; writable: boolean }>;
  custom_fields: Array<{ key: string; field?: string; type?: string; description?: string }>;
  properties?: DiscoveredField[];
  properties_total?: number;
  /** Compact view: the CRM's standard picklist properties, by name (object or search shows their options). */
  standard_picklists?: string[];
  pipelines?: ObjectDescription['pipelines'];
  error?: string;
}

export function objectViews(d: CrmDescription, o: ViewOptions): ObjectView[] {
  const out: ObjectView[] = [];
  for (const obj of d.objects) {
    if (o.object && obj.resource !== o.object) continue;
    const props = obj.properties;
    const compact = !o.search && !o.object;
    const shown = props?.filter((p) => (o.search ? matches(p, o.search) : o.object ? true : p.custom === true));
    const picklists = compact ? props?.filter((p) => p.custom !== true && isPicklist(p)).map((p) => p.name) : undefined;
    if (o.search && !o.object && (shown?.length ?? 0) === 0 && !Object.keys(obj.custom_fields).some((k) => k.includes(o.search ?? ''))) continue;
    out.push({
      object: obj.resource,
      unified_fields: unifiedFields(obj.resource).map((f) => ({ name: f.name, type: f.type, writable: f.write && o.writable.has(obj.resource) })),
      custom_fields: Object.entries(obj.custom_fields).map(([key, c]) => ({ key, ...c })),
      ...(props ? { properties: shown ?? [], properties_total: props.length } : {}),
      ...(picklists?.length ? { standard_picklists: picklists } : {}),
      ...(obj.pipelines ? { pipelines: obj.pipelines } : {}),
      ...(obj.error ? { error: obj.error.message } : {}),
    });
  }
  return out;
}

function propertyLine(p: DiscoveredField): string {
  const opts = p.options ?? [];
  const shown = opts.slice(0, TEXT_OPTIONS).map((x) => (x.label && x.label !== x.value ? `${x.value} (${x.label})` : x.value));
  const more = opts.length > TEXT_OPTIONS ? `, … ${opts.length - TEXT_OPTIONS} more` : '';
  const flags = [p.custom ? 'custom' : '', p.read_only ? 'read-only' : ''].filter(Boolean).join(', ');
  return `    ${p.name}${p.label && p.label !== p.name ? ` "${p.label}"` : ''}: ${p.type}${flags ? ` (${flags})` : ''}${shown.length ? ` [${shown.join(', ')}${more}]` : ''}`;
}

export function describeText(crmName: string, d: CrmDescription, views: ObjectView[], o: ViewOptions & { cached: boolean }): string {
  const lines = [`${crmName} schema (discovered ${d.fetched_at}${o.cached ? ', cached' : ''}; refresh: true re-reads it).`];
  if (views.length === 0) lines.push(o.search ? `Nothing matches "${o.search}".` : 'No objects.');
  for (const v of views) {
    const unified = v.unified_fields.map((f) => `${f.name}:${f.type}${f.writable ? '' : '(ro)'}`).join(', ');
    lines.push(`${v.object} — unified fields: ${unified}`);
    if (v.custom_fields.length) {
      const cf = v.custom_fields.map((c) => `${c.key}${c.field ? ` ← ${c.field}` : ''}${c.type ? `:${c.type}` : ''}`).join(', ');
      lines.push(`  custom_fields (read under these keys; write with the ${crmName} names): ${cf}`);
    }
    for (const p of v.pipelines ?? []) {
      lines.push(`  pipeline ${p.id === null ? '(no id)' : `${p.id}`} "${p.label}" — stage values in order: ${p.stages.map((s) => (s.label !== s.id ? `${s.id} (${s.label})` : s.id)).join(' > ')}`);
    }
    if (v.properties) {
      const rest = (v.properties_total ?? 0) - v.properties.length;
      const what = o.search ? `matching "${o.search}"` : o.object ? 'all' : 'custom';
      lines.push(`  ${crmName} properties (${what}: ${v.properties.length} of ${v.properties_total ?? 0})${v.properties.length ? ':' : ''}`);
      for (const p of v.properties) lines.push(propertyLine(p));
      if (v.standard_picklists?.length) lines.push(`    standard picklists: ${v.standard_picklists.join(', ')}`);
      if (rest > 0 && !o.object && !o.search) lines.push(`    … ${rest} standard properties: pass object: "${v.object}" or search to see them with types and options`);
    }
    if (v.error) lines.push(`  discovery failed: ${v.error}`);
  }
  return lines.join('\n');
}
