/**
 * A quick yes for a tool's output check: `outputAcceptor(schema)` compiles a zod schema built
 * only of the kinds the unified tools' output schemas use (objects that keep or strip unknown
 * keys or take any value for them, arrays, strings with a minimum length, booleans, null,
 * unknown, optional, nullable, unions of those) into a function that returns true only for values
 * the schema accepts. False means "not shown here": the caller runs the schema itself, so every
 * failure and its message are still zod's. A schema with anything else (a refinement, a number,
 * a default, a transform, a strict object) compiles to undefined and is always checked by zod.
 *
 * Why: the list tools' output schema checks 100 records for `id: string` by copying each one
 * through zod (~0.1 ms per call), records the engine has already parsed with the unified record
 * schema.
 */
import type { z } from 'zod';
import { zodDef as defOf, type ZodDef as Def } from '../unified/zod-def.js';

export type Acceptor = (value: unknown) => boolean;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const any: Acceptor = () => true;

/** undefined when `schema` uses anything outside the kinds above. */
export function outputAcceptor(schema: z.ZodType): Acceptor | undefined {
  const def = defOf(schema);
  const checks = def.checks ?? [];
  switch (def.type) {
    case 'unknown':
    case 'any':
      return any;
    case 'null':
      return (v) => v === null;
    case 'boolean':
      return checks.length ? undefined : (v) => typeof v === 'boolean';
    case 'string': {
      let min = 0;
      for (const c of checks) {
        if (c._zod.def.check !== 'min_length' || typeof c._zod.def.minimum !== 'number') return undefined;
        min = Math.max(min, c._zod.def.minimum);
      }
      return (v) => typeof v === 'string' && v.length >= min;
    }
    case 'optional':
    case 'nullable': {
      const inner = def.innerType && outputAcceptor(def.innerType);
      if (!inner) return undefined;
      return def.type === 'optional' ? (v) => v === undefined || inner(v) : (v) => v === null || inner(v);
    }
    case 'union': {
      const options = (def.options ?? []).map(outputAcceptor);
      if (options.length === 0 || options.some((o) => !o)) return undefined;
      const accepts = options as Acceptor[];
      return (v) => accepts.some((a) => a(v));
    }
    case 'array': {
      const element = !checks.length && def.element ? outputAcceptor(def.element) : undefined;
      if (!element) return undefined;
      return (v) => Array.isArray(v) && v.every((x) => element(x));
    }
    case 'object':
      return objectAcceptor(def, checks.length);
    default:
      return undefined;
  }
}

function objectAcceptor(def: Def, checks: number): Acceptor | undefined {
  // Unknown keys: stripped (no catchall) or any value (an unknown/any catchall); nothing else.
  if (checks || (def.catchall && outputAcceptor(def.catchall) !== any)) return undefined;
  const keys: string[] = [];
  const accepts: Acceptor[] = [];
  const optional: boolean[] = [];
  for (const [k, s] of Object.entries(def.shape ?? {})) {
    const a = outputAcceptor(s);
    if (!a) return undefined;
    keys.push(k);
    accepts.push(a);
    optional.push(defOf(s).type === 'optional');
  }
  return (v) => {
    if (!isObject(v)) return false;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      // A required key must be there (what zod makes of an absent one is left to zod).
      if (!optional[i] && !Object.hasOwn(v, k)) return false;
      if (!accepts[i]!(v[k])) return false;
    }
    return true;
  };
}
