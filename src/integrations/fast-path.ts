/**
 * A compiled fast path for the JSONata that record mappings are made of: object and array
 * constructors, field paths (with `[n]` index steps), conditions, `and`/`or`, `=`/`!=` on
 * scalars, and `$exists $contains $number $fromMillis $substring $replace`. The reference
 * interpreter costs ~0.1 ms per record here (every step is an awaited async call); straight JS
 * costs microseconds.
 *
 * Contract: `compileFast(ast)` returns null for anything outside the subset (the interpreter
 * runs it), and a compiled function either returns exactly what jsonata would return or throws
 * FALLBACK — for any input it is not sure about (nested arrays, non-string arguments, numbers it
 * does not parse the same way, an empty regex match) — and then the interpreter runs instead, so
 * its result and its errors stay the reference. test/integrations/fast-path.test.ts checks the
 * two agree on every shipped expression over fixtures and generated records.
 */

export const FALLBACK: unique symbol = Symbol('jsonata-fallback');

type Fn = (input: unknown) => unknown;

interface Node {
  type: string;
  value?: unknown;
  steps?: Node[];
  stages?: Node[];
  expr?: Node;
  lhs?: Node | Array<[Node, Node]>;
  rhs?: Node;
  condition?: Node;
  then?: Node;
  else?: Node;
  expressions?: Node[];
  arguments?: Node[];
  procedure?: Node;
  keepArray?: boolean;
  keepSingletonArray?: boolean;
  group?: unknown;
  focus?: unknown;
  index?: unknown;
  tuple?: unknown;
  predicate?: unknown;
}

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
  for (const s of node.steps ?? []) {
    if (s.type !== 'name' || typeof s.value !== 'string' || s.keepArray || s.group || s.focus || s.index || s.tuple || s.predicate) return null;
    let index: number | undefined;
    for (const st of s.stages ?? []) {
      if (st.type !== 'filter' || st.expr?.type !== 'number' || !Number.isInteger(st.expr.value) || index !== undefined) return null;
      index = st.expr.value as number;
    }
    steps.push({ name: s.value, index });
  }
  if (steps.length === 0 || node.keepSingletonArray) return null;
  return (input) => {
    let items: unknown[] = [input];
    for (let k = 0; k < steps.length; k++) {
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

const FUNCTIONS: Record<string, (args: Fn[], nodes: Node[]) => Fn | null> = {
  exists: ([a]) => (a ? (i) => a(i) !== undefined : null),
  contains: ([a], nodes) => {
    const pat = nodes[1];
    if (!a || nodes.length !== 2 || pat?.type !== 'string' || typeof pat.value !== 'string') return null;
    const p = pat.value;
    return (i) => {
      const s = str(a(i));
      return s === undefined ? undefined : s.includes(p);
    };
  },
  number: ([a], nodes) => {
    if (!a || nodes.length !== 1) return null;
    return (i) => {
      const v = a(i);
      if (v === undefined) return undefined;
      if (typeof v === 'number') return v;
      if (typeof v === 'string' && JSON_NUMBER.test(v)) return Number(v);
      return fallback();
    };
  },
  fromMillis: ([a], nodes) => {
    const pic = nodes[1];
    if (!a || nodes.length > 2) return null;
    if (pic && (pic.type !== 'string' || pic.value !== '[Y0001]-[M01]-[D01]')) return null;
    return (i) => {
      const v = a(i);
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
    return (i) => {
      const s = str(a(i));
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
    const flags = re.value.flags.replace('g', '') + 'g';
    return (i) => {
      const s = str(a(i));
      if (s === undefined) return undefined;
      return s.replace(new RegExp(source, flags), (m: string, ...rest: unknown[]) => {
        if (m === '') fallback();
        const groups = rest.slice(0, -2) as Array<string | undefined>;
        return expand(m, groups);
      });
    };
  },
};

export function compileFast(node: Node): Fn | null {
  switch (node.type) {
    case 'string':
    case 'number':
    case 'value': {
      const v = node.value;
      return () => v;
    }
    case 'path':
      return compilePath(node);
    case 'variable':
      return node.value === '' && !node.stages ? (i) => i : null;
    case 'block': {
      const e = node.expressions;
      return e?.length === 1 && e[0] ? compileFast(e[0]) : null;
    }
    case 'condition': {
      const c = node.condition && compileFast(node.condition);
      const t = node.then && compileFast(node.then);
      const e = node.else === undefined ? () => undefined : compileFast(node.else);
      if (!c || !t || !e) return null;
      return (i) => (truthy(c(i)) ? t(i) : e(i));
    }
    case 'binary': {
      if (!node.lhs || Array.isArray(node.lhs) || !node.rhs) return null;
      const l = compileFast(node.lhs);
      const r = compileFast(node.rhs);
      if (!l || !r) return null;
      switch (node.value) {
        case 'and':
          return (i) => truthy(l(i)) && truthy(r(i));
        case 'or':
          return (i) => truthy(l(i)) || truthy(r(i));
        case '=':
        case '!=': {
          const eq = node.value === '=';
          return (i) => {
            const a = l(i);
            const b = r(i);
            if (a === undefined || b === undefined) return false;
            if (!scalar(a) || !scalar(b)) return fallback();
            return eq ? a === b : a !== b;
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
  const keys = new Set(pairs.map(([k]) => k));
  if (keys.size !== pairs.length) return null;
  return (i) => {
    if (i instanceof Seq || Array.isArray(i)) fallback();
    const out: Record<string, unknown> = {};
    for (const [k, f] of pairs) {
      const v = f(i);
      if (v !== undefined) out[k] = plain(v);
    }
    return out;
  };
}

function compileArray(node: Node): Fn | null {
  const parts = (node.expressions ?? []).map((e) => ({ f: compileFast(e), nested: e.type === 'unary' && e.value === '[' }));
  if (parts.some((p) => p.f === null)) return null;
  return (i) => {
    const out: unknown[] = [];
    for (const p of parts) {
      const v = p.f!(i);
      if (v === undefined) continue;
      if (v instanceof Seq) out.push(...v.items);
      else if (Array.isArray(v) && !p.nested) out.push(...v);
      else out.push(v);
    }
    return out;
  };
}

/** Runs a compiled expression; `FALLBACK` means "ask the interpreter". */
export function runFast(fn: Fn, input: unknown): unknown {
  return plain(fn(input));
}
