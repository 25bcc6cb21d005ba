/**
 * A plain-function twin of a zod schema, for the per-record check the engine runs on every mapped
 * record. It is compiled from the zod schema itself (one source of truth) and covers only the
 * kinds the unified record schemas use — strip objects, strings, finite numbers, booleans,
 * arrays, string-keyed records, unknown, optional, nullable, default — each without checks or
 * coercion; anything else compiles to "ask zod". Its contract: when it returns a value, zod's
 * `safeParse` would succeed with an equal value (same keys, same order, same defaults); when
 * zod would fail — or the input is anything it is unsure of — it returns MISS, and the caller
 * runs zod, which gives the error (and the clear message) exactly as before.
 */
import type { z } from 'zod';

export const MISS: unique symbol = Symbol('record-check miss');
export type Check = (value: unknown) => unknown;

interface Def {
  type: string;
  coerce?: boolean;
  checks?: unknown[];
  shape?: Record<string, z.ZodType>;
  catchall?: unknown;
  element?: z.ZodType;
  innerType?: z.ZodType;
  keyType?: z.ZodType;
  valueType?: z.ZodType;
  mode?: string;
  defaultValue?: unknown;
}

const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** Stricter than zod's own plain-object test: an object it is unsure of is left to zod. */
const isPlain = (v: unknown): v is Record<string, unknown> => {
  if (!isObject(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
};

/** undefined: a kind (or a check) this twin does not cover — the whole schema is then left to zod. */
function compile(schema: z.ZodType): Check | undefined {
  const def = defOf(schema);
  if (def.coerce || (def.checks && def.checks.length > 0)) return undefined;
  switch (def.type) {
    case 'string':
      return (v) => (typeof v === 'string' ? v : MISS);
    case 'number':
      return (v) => (typeof v === 'number' && Number.isFinite(v) ? v : MISS);
    case 'boolean':
      return (v) => (typeof v === 'boolean' ? v : MISS);
    case 'unknown':
      return (v) => v;
    case 'nullable': {
      const inner = def.innerType && compile(def.innerType);
      return inner && ((v) => (v === null ? null : inner(v)));
    }
    case 'optional': {
      // An optional default substitutes for absence (zod's 'defaulted' rung): not covered.
      if (!def.innerType || defOf(def.innerType).type === 'default') return undefined;
      const inner = compile(def.innerType);
      return inner && ((v) => (v === undefined ? undefined : inner(v)));
    }
    case 'default': {
      const inner = def.innerType && compile(def.innerType);
      // `defaultValue` is read each time: zod's getter hands out a fresh copy.
      return inner && ((v) => (v === undefined ? def.defaultValue : inner(v)));
    }
    case 'array': {
      const item = def.element && compile(def.element);
      if (!item) return undefined;
      return (v) => {
        if (!Array.isArray(v)) return MISS;
        const out = new Array<unknown>(v.length);
        for (let i = 0; i < v.length; i++) {
          const r = item(v[i]);
          if (r === MISS) return MISS;
          out[i] = r;
        }
        return out;
      };
    }
    case 'record': {
      if (!def.keyType || !def.valueType || def.mode === 'loose') return undefined;
      const keyDef = defOf(def.keyType);
      if (keyDef.type !== 'string' || keyDef.coerce || (keyDef.checks && keyDef.checks.length > 0)) return undefined;
      const value = compile(def.valueType);
      if (!value) return undefined;
      return (v) => {
        if (!isPlain(v)) return MISS;
        const out: Record<string, unknown> = {};
        for (const k of Object.keys(v)) {
          if (k === '__proto__') return MISS;
          const r = value(v[k]);
          if (r === MISS) return MISS;
          out[k] = r;
        }
        return out;
      };
    }
    case 'object': {
      if (def.catchall !== undefined || !def.shape) return undefined;
      const fields: Array<[string, Check]> = [];
      for (const [k, s] of Object.entries(def.shape)) {
        const c = compile(s);
        if (!c || k === '__proto__') return undefined;
        fields.push([k, c]);
      }
      return (v) => {
        if (!isPlain(v)) return MISS;
        const out: Record<string, unknown> = {};
        for (const [k, check] of fields) {
          const present = k in v;
          const r = check(v[k]);
          if (r === MISS) return MISS;
          // As zod: an absent optional key stays absent; a present one keeps its undefined.
          if (r !== undefined || present) out[k] = r;
        }
        return out;
      };
    }
    default:
      return undefined;
  }
}

/** The twin of `schema`; one that always answers MISS when the schema uses a kind the twin does not cover. */
export function compileCheck(schema: z.ZodType): Check {
  return compile(schema) ?? (() => MISS);
}
