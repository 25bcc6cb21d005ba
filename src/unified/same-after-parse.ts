/**
 * A quick path past a record schema's parse: `sameAfterParse(schema)` compiles a zod schema built
 * of the kinds the unified record schemas use (objects that strip unknown keys, arrays, strings,
 * finite numbers, booleans, null, nullable, optional, default) into a function that returns true
 * only when `schema.parse(value)` would succeed AND give back the value itself, deeply: the same
 * keys in the same order (zod writes an object's keys in its shape's order) and the same leaves.
 * So a caller may use a shallow copy of the value instead of zod's deep copy. A yes also says
 * that no array in it holds a null.
 *
 * False means "not shown here": the caller parses with zod, which gives the result and every
 * error message, as without this. Kinds outside the list compile to undefined (always parsed); an
 * optional key of such a kind (custom_fields, remote_data: records of unknown) must be absent.
 *
 * Why: the engine checks every mapped record with its unified schema; for a 100-record page zod's
 * copy costs more than the check (~40 µs of ~50).
 */
import type { z } from 'zod';
import { zodDef as defOf } from './zod-def.js';

export type SameAfterParse = (value: unknown) => boolean;

/** JSON.parse and object literals make these; anything else (a class, a null prototype) is zod's. */
const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;

/** undefined when `schema` uses anything outside the kinds above. */
export function sameAfterParse(schema: z.ZodType): SameAfterParse | undefined {
  const def = defOf(schema);
  if (def.checks?.length) return undefined;
  switch (def.type) {
    case 'string':
      return (v) => typeof v === 'string';
    case 'number':
      return (v) => typeof v === 'number' && Number.isFinite(v);
    case 'boolean':
      return (v) => typeof v === 'boolean';
    case 'null':
      return (v) => v === null;
    case 'nullable': {
      const inner = def.innerType && sameAfterParse(def.innerType);
      return inner && ((v) => v === null || inner(v));
    }
    // Only ever asked of a present, defined value (objectCheck): an absent key is the object's concern.
    case 'optional':
    case 'default':
      return def.innerType && sameAfterParse(def.innerType);
    case 'array': {
      const element = def.element && sameAfterParse(def.element);
      // By index: a hole is undefined here, as zod sees it (`every` would skip it). A null item is
      // never a yes, even where the item schema allows it: a yes also says "no list holds a null".
      return (
        element &&
        ((v) => {
          if (!Array.isArray(v)) return false;
          for (let i = 0; i < v.length; i++) if (v[i] === null || !element(v[i])) return false;
          return true;
        })
      );
    }
    case 'object':
      return def.catchall ? undefined : objectCheck(def.shape ?? {});
    default:
      return undefined;
  }
}

function objectCheck(shape: Record<string, z.ZodType>): SameAfterParse | undefined {
  const keys: string[] = [];
  // null: the key must be absent (an optional key of a kind not compiled here).
  const checks: Array<SameAfterParse | null> = [];
  // Absent from the value, zod would complain (required) or add it (default): not the same.
  const required: boolean[] = [];
  for (const [k, s] of Object.entries(shape)) {
    const optional = defOf(s).type === 'optional';
    const check = sameAfterParse(s);
    if (!check && !optional) return undefined;
    keys.push(k);
    checks.push(check ?? null);
    required.push(!optional);
  }
  return (v) => {
    if (!isPlainObject(v)) return false;
    // The value's keys must be the shape's, in its order, as zod writes them: walk both at once.
    let s = 0;
    for (const k of Object.keys(v)) {
      while (s < keys.length && keys[s] !== k) if (required[s++]) return false;
      if (s === keys.length) return false;
      const check = checks[s++];
      if (!check || !check(v[k])) return false;
    }
    for (; s < keys.length; s++) if (required[s]) return false;
    return true;
  };
}
