/**
 * Code generation for the fast path (fast-path.ts): one JSONata expression of the subset becomes
 * the source of ONE JS function, so paths, conditions, constructors and the simple functions are
 * straight-line code V8 can inline, instead of a tree of closures called through megamorphic sites.
 *
 * Security contract (definitions are user-supplied through overrides): the source is built only
 * from the fixed templates below, integer indices and generated names (`k<n>` constants, `t<n>`
 * temporaries, `L<n>`/`S<n>` labels, the runtime helper names of RUNTIME). Every value taken from
 * the expression — property names, string and number literals, regexes, replacement templates —
 * goes into `constants` and reaches the function as `K[n]`; none is ever written into the source.
 * The source therefore holds no quote, backslash or comment (test/integrations/fast-path-codegen.test.ts).
 *
 * Semantics are those documented in fast-path.ts; `generate` returns null for anything outside
 * the subset, exactly where the subset ends.
 */
import type { Node } from './jsonata-ast.js';

/** The runtime helpers (fast-path.ts) the generated source calls, bound from its `R` parameter. */
export const RUNTIME = ['fallback', 'truthy', 'isRecord', 'isArray', 'hasOwn', 'Seq', 'rest', 'concat', 'equal', 'contains', 'number', 'string', 'fromMillis', 'substring', 'replace', 'join', 'merge'] as const;
export type RuntimeName = (typeof RUNTIME)[number];

/** One path step: a field name and an optional constant `[n]` index. */
export interface PathStep {
  name: string;
  index: number | undefined;
}

/**
 * The body of `new Function('K', 'R', source)`: called with `constants` and the runtime helpers,
 * it returns the expression's function `(input, bindings) => result` (a result of several items
 * is a `Seq`; FALLBACK is thrown for inputs the subset does not cover).
 */
/** The generated function's name: it has no script URL, so profiles (test/bench/profile.ts) know it by this. */
export const GENERATED_NAME = 'jsonataFastPath';

export interface Generated {
  source: string;
  constants: unknown[];
}

export function generate(node: Node): Generated | null {
  const g = new Generator();
  const body: string[] = [];
  const result = g.expr(node, body);
  if (result === null) return null;
  const consts = g.constants.map((_, n) => `k${n} = K[${n}]`);
  const source = [
    `const { ${RUNTIME.join(', ')} } = R;`,
    ...(consts.length ? [`const ${consts.join(', ')};`] : []),
    `return function ${GENERATED_NAME}(i, b) {`,
    ...body,
    `return ${result.v};`,
    '};',
  ].join('\n');
  return { source, constants: g.constants };
}

const intLiteral = (n: Node | undefined): number | undefined => (n?.type === 'number' && Number.isInteger(n.value) && (n.value as number) >= 0 ? (n.value as number) : undefined);

/** A call of a function of the subset: its source given the first argument's value, or null when out of the subset. */
type Call = (a: string, nodes: Node[], g: Generator) => string | null;

const CALLS: Record<string, Call> = {
  exists: (a, nodes) => (nodes.length === 1 ? `${a} !== undefined` : null),
  contains: (a, nodes, g) => {
    const pat = nodes[1];
    if (nodes.length !== 2 || pat?.type !== 'string' || typeof pat.value !== 'string') return null;
    return `contains(${a}, ${g.k(pat.value)})`;
  },
  number: (a, nodes) => (nodes.length === 1 ? `number(${a})` : null),
  string: (a, nodes) => (nodes.length === 1 ? `string(${a})` : null),
  fromMillis: (a, nodes) => {
    const pic = nodes[1];
    if (nodes.length > 2) return null;
    if (pic && (pic.type !== 'string' || pic.value !== '[Y0001]-[M01]-[D01]')) return null;
    return pic ? `fromMillis(${a}, true)` : `fromMillis(${a}, false)`;
  },
  substring: (a, nodes, g) => {
    const [, st, ln] = nodes;
    const start = intLiteral(st);
    const len = ln === undefined ? undefined : intLiteral(ln);
    if (start === undefined || (ln !== undefined && len === undefined) || nodes.length > 3) return null;
    return `substring(${a}, ${g.k(start)}, ${len === undefined ? 'undefined' : g.k(len)})`;
  },
  replace: (a, nodes, g) => {
    const [, re, rep] = nodes;
    if (nodes.length !== 3 || re?.type !== 'regex' || !(re.value instanceof RegExp) || rep?.type !== 'string' || typeof rep.value !== 'string') return null;
    // jsonata: $0 whole match, $n group n; anything else with a `$` is left to the interpreter.
    if (/\$(?![1-9](?!\d))/.test(rep.value)) return null;
    return `replace(${a}, ${g.k(re.value.source)}, ${g.k(re.value.flags)}, ${g.k(rep.value.split(/\$([1-9])/))})`;
  },
  join: (a, nodes, g) => {
    const sep = nodes[1];
    if (nodes.length > 2 || (sep && (sep.type !== 'string' || typeof sep.value !== 'string'))) return null;
    return `join(${a}, ${g.k(sep ? sep.value : '')})`;
  },
  merge: (a, nodes) => (nodes.length === 1 ? `merge(${a})` : null),
};

/**
 * A generated value: the local (a temporary, a constant or the input `i`) that holds it, and the
 * boolean local that is true when it holds a `Seq` — null where no `Seq` can arise (only a path's
 * multi-item walk makes one), so most sites never test for it.
 */
interface Val {
  v: string;
  seq: string | null;
}

class Generator {
  readonly constants: unknown[] = [];
  private names = 0;

  /** The generated name of a constant. */
  k(value: unknown): string {
    this.constants.push(value);
    return `k${this.constants.length - 1}`;
  }

  private fresh(): number {
    return this.names++;
  }

  /** Appends to `out` the statements that compute `node`; its value may then be read more than once. */
  expr(node: Node, out: string[]): Val | null {
    if (node.predicate || node.group || node.keepArray) return null;
    switch (node.type) {
      case 'string':
      case 'number':
      case 'value':
        return { v: this.k(node.value), seq: null };
      case 'path':
        return this.path(node, out);
      case 'variable': {
        if (node.stages || typeof node.value !== 'string') return null;
        if (node.value === '') return { v: 'i', seq: null };
        const name = this.k(node.value);
        const t = `t${this.fresh()}`;
        out.push(`const ${t} = hasOwn(b, ${name}) ? b[${name}] : fallback();`);
        return { v: t, seq: null };
      }
      case 'block': {
        const e = node.expressions;
        return e?.length === 1 && e[0] ? this.expr(e[0], out) : null;
      }
      case 'condition':
        return this.condition(node, out);
      case 'binary':
        return this.binary(node, out);
      case 'function':
        return this.call(node, out);
      case 'unary':
        return node.value === '{' ? this.object(node, out) : node.value === '[' ? this.array(node, out) : null;
      default:
        return null;
    }
  }

  private condition(node: Node, out: string[]): Val | null {
    if (!node.condition || !node.then) return null;
    const c = this.expr(node.condition, out);
    if (c === null) return null;
    const then: string[] = [];
    const other: string[] = [];
    const t = this.expr(node.then, then);
    const e = node.else === undefined ? { v: 'undefined', seq: null } : this.expr(node.else, other);
    if (t === null || e === null) return null;
    const n = this.fresh();
    const r: Val = { v: `t${n}`, seq: t.seq || e.seq ? `q${n}` : null };
    const setSeq = (x: Val) => (r.seq && x.seq ? [`${r.seq} = ${x.seq};`] : []);
    out.push(r.seq ? `let ${r.v}, ${r.seq} = false;` : `let ${r.v};`, `if (truthy(${c.v})) {`, ...then, `${r.v} = ${t.v};`, ...setSeq(t), '} else {', ...other, `${r.v} = ${e.v};`, ...setSeq(e), '}');
    return r;
  }

  private binary(node: Node, out: string[]): Val | null {
    if (!node.lhs || Array.isArray(node.lhs) || !node.rhs) return null;
    const l = this.expr(node.lhs, out);
    const right: string[] = [];
    const r = l === null ? null : this.expr(node.rhs, right);
    if (l === null || r === null) return null;
    const t = `t${this.fresh()}`;
    switch (node.value) {
      case 'and':
      case 'or':
        // The right side runs only when the left does not decide.
        out.push(`let ${t} = truthy(${l.v});`, node.value === 'and' ? `if (${t}) {` : `if (!${t}) {`, ...right, `${t} = truthy(${r.v});`, '}');
        break;
      case '&':
        out.push(...right, `const ${t} = concat(${l.v}, ${r.v});`);
        break;
      case '=':
      case '!=':
        out.push(...right, `const ${t} = equal(${l.v}, ${r.v}, ${node.value === '=' ? 'true' : 'false'});`);
        break;
      default:
        return null;
    }
    return { v: t, seq: null };
  }

  private call(node: Node, out: string[]): Val | null {
    const name = node.procedure?.type === 'variable' ? node.procedure.value : undefined;
    const make = typeof name === 'string' && Object.hasOwn(CALLS, name) ? CALLS[name] : undefined;
    const nodes = node.arguments ?? [];
    const first = nodes[0];
    if (!make || node.value !== '(' || !first) return null;
    // Only the first argument is evaluated (the helpers take a `Seq` as is); the others are
    // literals the call reads from its node, but must still be of the subset. A regex literal is
    // only ever an argument.
    for (const n of nodes.slice(1)) if (n.type !== 'regex' && this.expr(n, []) === null) return null;
    let a: string | undefined;
    if (first.type === 'regex') {
      a = `t${this.fresh()}`;
      out.push(`const ${a} = fallback();`);
    } else a = this.expr(first, out)?.v;
    const call = a === undefined ? null : make(a, nodes, this);
    if (call === null) return null;
    const t = `t${this.fresh()}`;
    out.push(`const ${t} = ${call};`);
    return { v: t, seq: null };
  }

  /**
   * A path walks one object at a time (the common case: a record's field) inline; the first step
   * that meets anything else (not an object, an array value, an index stage) hands the current
   * value and step to `rest`, which runs jsonata's step semantics over several items. The walk
   * starts at the input or a binding and reads their fields, none of which can be a `Seq`.
   */
  private path(node: Node, out: string[]): Val | null {
    let all = node.steps ?? [];
    let start = 'i';
    const head = all[0];
    if (head?.type === 'variable' && typeof head.value === 'string' && head.value !== '' && !head.stages && !head.predicate && !head.group) {
      const v = this.expr(head, out);
      if (v === null) return null;
      start = v.v;
      all = all.slice(1);
    }
    const steps: PathStep[] = [];
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
    const n = this.fresh();
    const [t, seq, done, slow] = [`t${n}`, `q${n}`, `L${n}`, `S${n}`];
    out.push(`let ${t}, ${seq} = false;`, `${done}: {`, `let c = ${start}, k = 0, v;`, `${slow}: {`);
    for (let s = 0; s < steps.length; s++) {
      out.push(`if (!isRecord(c)) break ${slow};`, `v = c[${this.k(steps[s]!.name)}];`, `if (v === undefined) break ${done};`);
      if (steps[s]!.index !== undefined) {
        out.push(`break ${slow};`);
        break;
      }
      out.push(`if (isArray(v)) break ${slow};`, s === steps.length - 1 ? `${t} = v; break ${done};` : `c = v; k = ${s + 1};`);
    }
    out.push('}', `${t} = rest(c, k, ${this.k(steps)});`, `${seq} = ${t} instanceof Seq;`, '}');
    return { v: t, seq };
  }

  private object(node: Node, out: string[]): Val | null {
    if (!Array.isArray(node.lhs)) return null;
    const keys = new Set<string>();
    const body: string[] = [];
    const o = `t${this.fresh()}`;
    for (const [key, value] of node.lhs) {
      // jsonata makes `__proto__` an own field; an assignment would set the prototype instead.
      if (key.type !== 'string' || typeof key.value !== 'string' || keys.has(key.value) || key.value === '__proto__') return null;
      keys.add(key.value);
      const x = this.expr(value, body);
      if (x === null) return null;
      body.push(`if (${x.v} !== undefined) ${o}[${this.k(key.value)}] = ${x.seq ? `${x.seq} ? ${x.v}.items : ${x.v}` : x.v};`);
    }
    // The input is never a Seq: only an array makes the constructor map over items.
    out.push('if (isArray(i)) fallback();', `const ${o} = {};`, ...body);
    return { v: o, seq: null };
  }

  private array(node: Node, out: string[]): Val | null {
    const a = `t${this.fresh()}`;
    const body: string[] = [];
    for (const e of node.expressions ?? []) {
      const x = this.expr(e, body);
      if (x === null) return null;
      // A nested array constructor's value is one item; any other array's items are spread.
      const items = x.seq ? `if (${x.seq}) ${a}.push(...${x.v}.items); else ` : '';
      const spread = e.type === 'unary' && e.value === '[' ? '' : `if (isArray(${x.v})) ${a}.push(...${x.v}); else `;
      body.push(`if (${x.v} !== undefined) {`, `${items}${spread}${a}.push(${x.v});`, '}');
    }
    out.push(`const ${a} = [];`, ...body);
    return { v: a, seq: null };
  }
}
