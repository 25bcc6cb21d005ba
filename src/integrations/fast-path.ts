/**
 * A compiled fast path for the JSONata that record mappings and request builders are made of:
 * object and array constructors, field paths (with `[n]` index steps, starting at the input or at
 * a bound variable such as `$input` or `$limit`), conditions, `and`/`or`, `=`/`!=` on scalars, `&`
 * on strings, and `$exists $contains $number $fromMillis $substring $replace $join $merge $string`.
 * The reference interpreter costs ~0.1 ms per record here (every step is an awaited async call);
 * straight JS costs microseconds. Each expression becomes one generated function (fast-codegen.ts,
 * which states what its source may contain) calling the runtime helpers of this file. Its work is
 * linear in the expression and the input; regexes run on RE2 and a string longer than
 * `FAST_MAX_STRING` is left to the bounded interpreter.
 *
 * Contract: `compileFast(ast)` returns null for anything outside the subset (the interpreter
 * runs it), and a compiled function either returns exactly what jsonata would return or throws
 * FALLBACK — for any input it is not sure about (nested arrays, non-string arguments, numbers it
 * does not parse the same way, an empty regex match) — and then the interpreter runs instead, so
 * its result and its errors stay the reference. test/integrations/fast-path.test.ts checks the
 * two agree on every shipped expression over fixtures and generated records.
 */

import type { Node } from './jsonata-ast.js';
import { generate, type PathStep, type RuntimeName } from './fast-codegen.js';
import { compileRe2 } from './regex.js';

export const FALLBACK: unique symbol = Symbol('jsonata-fallback');

/** Longer strings are built by the interpreter, which applies the configured string bound. */
const FAST_MAX_STRING = 1_000_000;

export type Bindings = Record<string, unknown>;
type Fn = (input: unknown, b: Bindings) => unknown;

/** A path result of several items: spread by array constructors, an array everywhere else. */
class Seq {
  constructor(readonly items: unknown[]) {}
}

const fallback = (): never => {
  throw FALLBACK;
};
/** A non-array object; the generated walks use it where a `Seq` cannot occur. */
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isObj = (v: unknown): v is Record<string, unknown> => isRecord(v) && !(v instanceof Seq);
const plain = (v: unknown): unknown => (v instanceof Seq ? v.items : v);

function truthy(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === 'string') return v.length > 0;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'boolean') return v;
  if (v instanceof Seq) return v.items.some(truthy);
  if (Array.isArray(v)) return v.some(truthy);
  if (isObj(v)) return Object.keys(v).length > 0;
  return fallback();
}

/**
 * One path step over the current items, as jsonata's evaluateStep: each item's field (an index
 * stage picks from it, a single value counting as a one-element array); on the last step a lone
 * array value is the result itself (so `{"a":[1]}.a` is `[1]`), otherwise arrays are flattened.
 */
function step(items: unknown[], name: string, index: number | undefined, last: boolean): { items: unknown[] } | { array: unknown[] } {
  const results: unknown[] = [];
  for (const item of items) {
    if (Array.isArray(item) || item instanceof Seq) fallback();
    if (!isObj(item)) continue;
    let v = item[name];
    if (v !== undefined && index !== undefined) {
      const arr = Array.isArray(v) ? v : [v];
      const i = index < 0 ? arr.length + index : index;
      v = arr[i];
      if (Array.isArray(v)) fallback();
    }
    if (v !== undefined) results.push(v);
  }
  if (last && results.length === 1 && Array.isArray(results[0])) return { array: results[0] };
  const out: unknown[] = [];
  for (const r of results) {
    if (!Array.isArray(r)) out.push(r);
    else {
      if (r.some((x) => Array.isArray(x))) fallback();
      out.push(...r);
    }
  }
  return { items: out };
}

const unwrap = (items: unknown[]): unknown => (items.length === 0 ? undefined : items.length === 1 ? items[0] : new Seq(items));

/** The rest of a path from step `k`, where the inline walk met something other than one object. */
function rest(cur: unknown, k: number, steps: PathStep[]): unknown {
  let items: unknown[] = [cur];
  for (; k < steps.length; k++) {
    const s = steps[k]!;
    const r = step(items, s.name, s.index, k === steps.length - 1);
    if ('array' in r) return r.array;
    items = r.items;
  }
  return unwrap(items);
}

function scalar(v: unknown): boolean {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

function equal(x: unknown, y: unknown, eq: boolean): boolean {
  if (x === undefined || y === undefined) return false;
  if (!scalar(x) || !scalar(y)) return fallback();
  return eq ? x === y : x !== y;
}

function concat(x: unknown, y: unknown): string {
  if ((x !== undefined && typeof x !== 'string') || (y !== undefined && typeof y !== 'string')) return fallback();
  return capped(((x as string | undefined) ?? '') + ((y as string | undefined) ?? ''));
}

const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

function str(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  return typeof v === 'string' ? v : fallback();
}

const capped = (s: string): string => (s.length > FAST_MAX_STRING ? fallback() : s);

/** Items of an array-typed argument: a lone value counts as a one-item array (jsonata's signature coercion). */
const itemsOf = (v: unknown): unknown[] => (v instanceof Seq ? v.items : Array.isArray(v) ? v : [v]);

function contains(v: unknown, pattern: string): boolean | undefined {
  const s = str(v);
  return s === undefined ? undefined : s.includes(pattern);
}

function number(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && JSON_NUMBER.test(v)) return Number(v);
  return fallback();
}

function string(v: unknown): string | undefined {
  if (v === undefined || typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v) && Math.abs(v) < 1e15) return String(v);
  return fallback();
}

/** `$fromMillis(v)`, or with the picture `[Y0001]-[M01]-[D01]` when `date`. */
function fromMillis(v: unknown, date: boolean): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 253402300799999) return fallback();
  const iso = new Date(v).toISOString();
  return date ? iso.slice(0, 10) : iso;
}

function substring(v: unknown, start: number, len: number | undefined): string | undefined {
  const s = str(v);
  if (s === undefined) return undefined;
  const cps = Array.from(s);
  return (len === undefined ? cps.slice(start) : cps.slice(start, start + len)).join('');
}

/** `$replace` with a regex; `template` is the replacement split on `$n` (odd items are group numbers). */
function replace(v: unknown, source: string, flags: string, template: string[]): string | undefined {
  const s = str(v);
  if (s === undefined) return undefined;
  const m = compileRe2(source, flags).matcher(s);
  let out = '';
  let pos = 0;
  while (pos <= s.length && m.find(pos)) {
    const start = m.start(0);
    const end = m.end(0);
    if (end === start) fallback();
    let expanded = '';
    for (let p = 0; p < template.length; p++) {
      const g = p % 2 === 1 ? Number(template[p]) : 0;
      expanded += g === 0 ? template[p] : g <= m.groupCount() ? (m.group(g) ?? '') : '';
    }
    out = capped(out + s.slice(pos, start) + expanded);
    pos = end;
  }
  return capped(out + s.slice(pos));
}

function join(v: unknown, separator: string): string | undefined {
  if (v === undefined) return undefined;
  const items = itemsOf(v);
  if (!items.every((x) => typeof x === 'string')) return fallback();
  return capped((items as string[]).join(separator));
}

function merge(v: unknown): Record<string, unknown> | undefined {
  if (v === undefined) return undefined;
  const out: Record<string, unknown> = {};
  for (const o of itemsOf(v)) {
    if (!isObj(o)) return fallback();
    for (const [k, x] of Object.entries(o)) {
      if (k === '__proto__') return fallback();
      out[k] = x;
    }
  }
  return out;
}

const HELPERS: Record<RuntimeName, unknown> = {
  fallback,
  truthy,
  isRecord,
  isArray: Array.isArray,
  hasOwn: Object.hasOwn,
  Seq,
  rest,
  concat,
  equal,
  contains,
  number,
  string,
  fromMillis,
  substring,
  replace,
  join,
  merge,
};

/**
 * A string as V8 keeps property keys (internalized): the parser's strings are slices, and a keyed
 * store or load whose key is not internalized misses V8's fast keyed-by-name path — property
 * additions cost about twice as much.
 */
const internalized = (v: unknown): unknown => (typeof v === 'string' ? (Object.keys({ [v]: 0 })[0] ?? v) : v);

/**
 * The expression as one generated JS function (fast-codegen.ts), or null when it is outside the
 * subset — or when this process forbids code generation from strings: the interpreter runs then.
 */
export function compileFast(node: Node): Fn | null {
  const g = generate(node);
  if (!g) return null;
  try {
    // The source holds no text of the definition (fast-codegen.ts): its values arrive as constants.
    return (new Function('K', 'R', g.source) as (k: unknown[], r: typeof HELPERS) => Fn)(g.constants.map(internalized), HELPERS);
  } catch {
    // EvalError under --disallow-code-generation-from-strings (or any generator defect): the
    // interpreter gives the reference result instead.
    return null;
  }
}

/** Runs a compiled expression; `FALLBACK` means "ask the interpreter". */
export function runFast(fn: Fn, input: unknown, bindings: Bindings = {}): unknown {
  return plain(fn(input, bindings));
}
