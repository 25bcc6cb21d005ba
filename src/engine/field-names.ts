/**
 * Provider field name → unified field name, read off a resource's own mapping: `'stage':
 * StageName` means a provider complaint about `StageName` is about `stage`, the name the caller
 * used. A provider name read by several unified fields stays as it is (ambiguous); so does one
 * the mapping never reads. Custom fields map to `custom_fields.<key>`.
 */
import { jsonata } from '../integrations/jsonata.js';
import type { Resource } from '../integrations/schema.js';

interface Node {
  type?: string;
  value?: unknown;
  steps?: Node[];
  lhs?: unknown;
  [k: string]: unknown;
}

const cache = new WeakMap<Resource, Map<string, string>>();

function lastStepNames(node: unknown, out: Set<string>): void {
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const n of node) lastStepNames(n, out);
    return;
  }
  const n = node as Node;
  if (n.type === 'path' && Array.isArray(n.steps)) {
    const last = n.steps[n.steps.length - 1];
    if (last?.type === 'name' && typeof last.value === 'string') out.add(last.value);
  }
  for (const [k, v] of Object.entries(n)) if (k !== 'value' && typeof v === 'object') lastStepNames(v, out);
}

export function unifiedFieldNames(resource: Resource): Map<string, string> {
  const hit = cache.get(resource);
  if (hit) return hit;
  const seen = new Map<string, Set<string>>();
  const add = (provider: string, unified: string) => {
    const s = seen.get(provider) ?? new Set<string>();
    s.add(unified);
    seen.set(provider, s);
  };
  try {
    const ast = jsonata(resource.mapping).ast() as Node;
    if (ast.type === 'unary' && ast.value === '{' && Array.isArray(ast.lhs)) {
      for (const pair of ast.lhs as Array<[Node, Node]>) {
        const key = pair[0];
        if (key?.type !== 'string' || typeof key.value !== 'string' || key.value === 'id') continue;
        const names = new Set<string>();
        lastStepNames(pair[1], names);
        for (const p of names) add(p, key.value);
      }
    }
  } catch {
    // A mapping that does not parse never reaches here (definitions are validated at load).
  }
  for (const [k, cf] of Object.entries(resource.custom_fields ?? {})) if (cf.field) add(cf.field, `custom_fields.${k}`);
  const map = new Map<string, string>();
  for (const [p, us] of seen) if (us.size === 1) map.set(p, [...us][0]!);
  cache.set(resource, map);
  return map;
}

/** The fields named as the caller knows them (unknown or ambiguous names unchanged). */
export function toUnifiedFields(resource: Resource | undefined, fields: string[]): string[] {
  if (!resource) return fields;
  const map = unifiedFieldNames(resource);
  return [...new Set(fields.map((f) => map.get(f) ?? f))];
}
