/**
 * A compiled fast path for the JSONata that record mappings and request builders are made of:
 * object and array constructors, field paths (with `[n]` index steps, starting at the input or at
 * a bound variable such as `$input` or `$limit`), conditions, `and`/`or`, `=`/`!=` on scalars, `&`
 * on strings, and `$exists $contains $number $fromMillis $substring $replace $join $merge $string`.
 * The reference interpreter costs ~0.1 ms per record here (every step is an awaited async call);
 * straight JS costs microseconds. Its work is linear in the expression and the input; regexes run
 * on RE2 and a string longer than `FAST_MAX_STRING` is left to the bounded interpreter.
 *
 * Contract: `compileFast(ast)` returns null for anything outside the subset (the interpreter
 * runs it), and a compiled function either returns exactly what jsonata would return or throws
 * FALLBACK — for any input it is not sure about (nested arrays, non-string arguments, numbers it
 * does not parse the same way, an empty regex match) — and then the interpreter runs instead, so
 * its result and its errors stay the reference. test/integrations/fast-path.test.ts checks the
 * two agree on every shipped expression over fixtures and generated records.
 */

import type { Node } from './jsonata-ast.js';
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
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Seq);
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

function compilePath(node: Node): Fn | null {
  const steps: Array<{ name: string; index: number | undefined }> = [];
  let all = node.steps ?? [];
  let start: Fn | undefined;
  const first = all[0];
  if (first?.type === 'variable' && typeof first.value === 'string' && first.value !== '' && !first.stages && !first.predicate && !first.group) {
    const v = compileFast(first);
    if (!v) return null;
    start = v;
    all = all.slice(1);
  }
  for (const s of all) {
    if (s.type !== 'name' || typeof s.value !== 'string' || s.keepArray || s.group || s.focus || s.index || s.tuple || s.predicate) return null;
    let index: number | undefined;
    for (const st of s.stages ?? []) {
      if (st.type !== 'filter' || st.expr?.type !== 'number' || !Number.isInteger(st.expr.value) || index !== undefined) return null;
      index = st.expr.value as number;
    }
    steps.push({ name: s.value, index });
  }
  if (steps.length === 0 || node.keepSingletonArray) return null;
  const lastStep = steps.length - 1;
  const names = steps.map((s) => s.name);
  const indexed = steps.map((s) => s.index !== undefined);
  return (input, b) => {
    // One object at a time (the common case: a record's field): walked without the step arrays.
    // The first step that meets anything else (an array value, a missing field) goes to `step`.
    let cur = start ? start(input, b) : input;
    let k = 0;
    for (; k <= lastStep; k++) {
      if (!isObj(cur)) break;
      const v = cur[names[k]!];
      if (v === undefined) return undefined;
      if (indexed[k] || Array.isArray(v)) break;
      if (k === lastStep) return v;
      cur = v;
    }
    let items: unknown[] = [cur];
    for (; k < steps.length; k++) {
      const s = steps[k]!;
      const r = step(items, s.name, s.index, k === steps.length - 1);
      if ('array' in r) return r.array;
      items = r.items;
    }
    return unwrap(items);
  };
}

function scalar(v: unknown): boolean {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

function str(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  return typeof v === 'string' ? v : fallback();
}

function expandTemplate(template: string): ((match: string, groups: Array<string | undefined>) => string) | null {
  // jsonata: $0 whole match, $n group n; anything else with a `$` is left to the interpreter.
  if (/\$(?![1-9](?!\d))/.test(template)) return null;
  const parts = template.split(/\$([1-9])/);
  return (_m, groups) => parts.map((p, i) => (i % 2 === 1 ? (groups[Number(p) - 1] ?? '') : p)).join('');
}

const capped = (s: string): string => (s.length > FAST_MAX_STRING ? fallback() : s);

/** Items of an array-typed argument: a lone value counts as a one-item array (jsonata's signature coercion). */
const itemsOf = (v: unknown): unknown[] => (v instanceof Seq ? v.items : Array.isArray(v) ? v : [v]);

const FUNCTIONS: Record<string, (args: Fn[], nodes: Node[]) => Fn | null> = {
  exists: ([a], nodes) => (a && nodes.length === 1 ? (i, b) => a(i, b) !== undefined : null),
  contains: ([a], nodes) => {
    const pat = nodes[1];
    if (!a || nodes.length !== 2 || pat?.type !== 'string' || typeof pat.value !== 'string') return null;
    const p = pat.value;
    return (i, b) => {
      const s = str(a(i, b));
      return s === undefined ? undefined : s.includes(p);
    };
  },
  number: ([a], nodes) => {
    if (!a || nodes.length !== 1) return null;
    return (i, b) => {
      const v = a(i, b);
      if (v === undefined) return undefined;
      if (typeof v === 'number') return v;
      if (typeof v === 'string' && JSON_NUMBER.test(v)) return Number(v);
      return fallback();
    };
  },
  string: ([a], nodes) => {
    if (!a || nodes.length !== 1) return null;
    return (i, b) => {
      const v = a(i, b);
      if (v === undefined || typeof v === 'string') return v;
      if (typeof v === 'number' && Number.isSafeInteger(v) && Math.abs(v) < 1e15) return String(v);
      return fallback();
    };
  },
  fromMillis: ([a], nodes) => {
    const pic = nodes[1];
    if (!a || nodes.length > 2) return null;
    if (pic && (pic.type !== 'string' || pic.value !== '[Y0001]-[M01]-[D01]')) return null;
    return (i, b) => {
      const v = a(i, b);
      if (v === undefined) return undefined;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 253402300799999) return fallback();
      const iso = new Date(v).toISOString();
      return pic ? iso.slice(0, 10) : iso;
    };
  },
  substring: ([a], nodes) => {
    const [, st, ln] = nodes;
    const lit = (n: Node | undefined) => (n?.type === 'number' && Number.isInteger(n.value) && (n.value as number) >= 0 ? (n.value as number) : undefined);
    const start = lit(st);
    const len = ln === undefined ? undefined : lit(ln);
    if (!a || start === undefined || (ln !== undefined && len === undefined) || nodes.length > 3) return null;
    return (i, b) => {
      const s = str(a(i, b));
      if (s === undefined) return undefined;
      const cps = Array.from(s);
      return (len === undefined ? cps.slice(start) : cps.slice(start, start + len)).join('');
    };
  },
  replace: ([a], nodes) => {
    const [, re, rep] = nodes;
    if (!a || nodes.length !== 3 || re?.type !== 'regex' || !(re.value instanceof RegExp) || rep?.type !== 'string' || typeof rep.value !== 'string') return null;
    const expand = expandTemplate(rep.value);
    if (!expand) return null;
    const source = re.value.source;
    const flags = re.value.flags;
    return (i, b) => {
      const s = str(a(i, b));
      if (s === undefined) return undefined;
      const m = compileRe2(source, flags).matcher(s);
      let out = '';
      let pos = 0;
      while (pos <= s.length && m.find(pos)) {
        const start = m.start(0);
        const end = m.end(0);
        if (end === start) fallback();
        const groups: Array<string | undefined> = [];
        for (let g = 1; g <= m.groupCount(); g++) groups.push(m.group(g) ?? undefined);
        out = capped(out + s.slice(pos, start) + expand(s.slice(start, end), groups));
        pos = end;
      }
      return capped(out + s.slice(pos));
    };
  },
  join: ([a], nodes) => {
    const sepNode = nodes[1];
    if (!a || nodes.length > 2 || (sepNode && (sepNode.type !== 'string' || typeof sepNode.value !== 'string'))) return null;
    const separator = sepNode ? (sepNode.value as string) : '';
    return (i, b) => {
      const v = a(i, b);
      if (v === undefined) return undefined;
      const items = itemsOf(v);
      if (!items.every((x) => typeof x === 'string')) return fallback();
      return capped((items as string[]).join(separator));
    };
  },
  merge: ([a], nodes) => {
    if (!a || nodes.length !== 1) return null;
    return (i, b) => {
      const v = a(i, b);
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
    };
  },
};

export function compileFast(node: Node): Fn | null {
  if (node.predicate || node.group || node.keepArray) return null;
  switch (node.type) {
    case 'string':
    case 'number':
    case 'value': {
      const v = node.value;
      return () => v;
    }
    case 'path':
      return compilePath(node);
    case 'variable': {
      if (node.stages || typeof node.value !== 'string') return null;
      if (node.value === '') return (i) => i;
      const name = node.value;
      return (_i, b) => (Object.hasOwn(b, name) ? b[name] : fallback());
    }
    case 'block': {
      const e = node.expressions;
      return e?.length === 1 && e[0] ? compileFast(e[0]) : null;
    }
    case 'condition': {
      const c = node.condition && compileFast(node.condition);
      const t = node.then && compileFast(node.then);
      const e = node.else === undefined ? () => undefined : compileFast(node.else);
      if (!c || !t || !e) return null;
      return (i, b) => (truthy(c(i, b)) ? t(i, b) : e(i, b));
    }
    case 'binary': {
      if (!node.lhs || Array.isArray(node.lhs) || !node.rhs) return null;
      const l = compileFast(node.lhs);
      const r = compileFast(node.rhs);
      if (!l || !r) return null;
      switch (node.value) {
        case 'and':
          return (i, b) => truthy(l(i, b)) && truthy(r(i, b));
        case 'or':
          return (i, b) => truthy(l(i, b)) || truthy(r(i, b));
        case '&':
          return (i, b) => {
            const x = l(i, b);
            const y = r(i, b);
            if ((x !== undefined && typeof x !== 'string') || (y !== undefined && typeof y !== 'string')) return fallback();
            return capped((x ?? '') + (y ?? ''));
          };
        case '=':
        case '!=': {
          const eq = node.value === '=';
          return (i, b) => {
            const x = l(i, b);
            const y = r(i, b);
            if (x === undefined || y === undefined) return false;
            if (!scalar(x) || !scalar(y)) return fallback();
            return eq ? x === y : x !== y;
          };
        }
        default:
          return null;
      }
    }
    case 'function': {
      const name = node.procedure?.type === 'variable' ? node.procedure.value : undefined;
      const make = typeof name === 'string' && Object.hasOwn(FUNCTIONS, name) ? FUNCTIONS[name] : undefined;
      const nodes = node.arguments ?? [];
      if (!make || node.value !== '(') return null;
      // A regex literal is only ever an argument; the function reads it from its node.
      const args = nodes.map((n) => (n.type === 'regex' ? () => fallback() : compileFast(n)));
      if (args.some((a) => a === null)) return null;
      return make(args as Fn[], nodes);
    }
    case 'unary':
      return node.value === '{' ? compileObject(node) : node.value === '[' ? compileArray(node) : null;
    default:
      return null;
  }
}

function compileObject(node: Node): Fn | null {
  if (!Array.isArray(node.lhs)) return null;
  const pairs: Array<[string, Fn]> = [];
  for (const [k, v] of node.lhs) {
    if (k.type !== 'string' || typeof k.value !== 'string') return null;
    const f = compileFast(v);
    if (!f) return null;
    pairs.push([k.value, f]);
  }
  if (new Set(pairs.map(([k]) => k)).size !== pairs.length) return null;
  // Kept apart and walked by index: this runs once per record for every mapped field.
  const keys = pairs.map(([k]) => k);
  const fns = pairs.map(([, f]) => f);
  return (i, b) => {
    if (i instanceof Seq || Array.isArray(i)) fallback();
    const out: Record<string, unknown> = {};
    for (let n = 0; n < keys.length; n++) {
      const v = fns[n]!(i, b);
      if (v !== undefined) out[keys[n]!] = v instanceof Seq ? v.items : v;
    }
    return out;
  };
}

function compileArray(node: Node): Fn | null {
  const parts = (node.expressions ?? []).map((e) => ({ f: compileFast(e), nested: e.type === 'unary' && e.value === '[' }));
  if (parts.some((p) => p.f === null)) return null;
  return (i, b) => {
    const out: unknown[] = [];
    for (const p of parts) {
      const v = p.f!(i, b);
      if (v === undefined) continue;
      if (v instanceof Seq) out.push(...v.items);
      else if (Array.isArray(v) && !p.nested) out.push(...v);
      else out.push(v);
    }
    return out;
  };
}

/** Runs a compiled expression; `FALLBACK` means "ask the interpreter". */
export function runFast(fn: Fn, input: unknown, bindings: Bindings = {}): unknown {
  return plain(fn(input, bindings));
}
