/**
 * JSONata compilation and bounded evaluation for definitions and overrides.
 *
 * An expression is evaluated as a *program*: the expression preceded by the definition's
 * `functions` it calls (transitively), bound as `$name := function(...) {...}`. Each program is
 * parsed once per compiler. Evaluation tries the compiled fast path (fast-path.ts) and otherwise
 * runs the bounded interpreter (bounds.ts): a step budget, depth, sequence and size caps, RE2
 * regexes — bounds on work, so load never trips them and evaluations run concurrently, unserialised.
 *
 * Where the interpreter runs depends on who wrote the program: programs of the loaded definition
 * files are trusted and run in-process; any other program (one an environment or account override
 * introduced or changed) runs in the isolation pool (isolation.ts), so even a failure the bounds
 * do not foresee ends that evaluation, never the server.
 *
 * Failures: a broken bound → `mapping_bound`; `$error(...)` → `invalid_input` (the caller's input
 * was refused: a `validation` tool error); anything else → `mapping_failed`. Each names `where`.
 */
import type jsonata from 'jsonata';
import { CrmMcpError } from '../core/errors.js';
import { UNIFIED_METHODS, UNIFIED_RESOURCES } from '../unified/models.js';
import { astRegexProblems, classifyFailure, compileBounded, DEFAULT_LIMITS, evaluateBounded, type EvalLimits, type FailureKind } from './bounds.js';
import { compileFast, runFast } from './fast-path.js';
import { createIsolation, IsolationFailure, type Isolation, type IsolationOptions } from './isolation.js';
import type { Definition } from './schema.js';

export interface ExpressionBounds extends Partial<EvalLimits> {
  /** Run expressions of the fast-path subset as compiled JS (fast-path.ts); default true. */
  fastPath?: boolean;
  /** The isolation pool for override programs (workers, heap bound, kill switch). */
  isolation?: Omit<IsolationOptions, 'limits'>;
}

/** A definition's named functions: name (without `$`) → JSONata `function(...) { ... }`. */
export type Functions = Readonly<Record<string, string>>;

/** `evaluateFast`'s answer when the expression must go through `evaluate`. */
export const NOT_FAST: unique symbol = Symbol('not-fast');

export interface ExpressionCompiler {
  /** Parses the program of `expr`; throws CrmMcpError('definition_invalid') naming `where` (syntax, unsupported regex). */
  compile(expr: string, where: string, functions?: Functions): jsonata.Expression;
  /**
   * The compiled fast path's result, synchronously, or NOT_FAST when only `evaluate` can answer
   * (outside the subset, a fallback, or the fast path disabled): a caller then calls `evaluate`.
   */
  evaluateFast(expr: string, input: unknown, bindings: Record<string, unknown>, where: string, functions?: Functions): unknown;
  /** Evaluates with the bounds; throws CrmMcpError 'mapping_bound', 'invalid_input' or 'mapping_failed'. */
  evaluate(expr: string, input: unknown, bindings: Record<string, unknown>, where: string, functions?: Functions): Promise<unknown>;
  /** Marks every program of a definition file as trusted: evaluated in-process. */
  trust(def: Definition): void;
  /** True when the program of `expr` runs in-process. */
  trusted(expr: string, functions?: Functions): boolean;
  /** Stops the isolation workers, if any were started. */
  close(): Promise<void>;
}

interface Node {
  type?: string;
  value?: unknown;
  [k: string]: unknown;
}

/** Names of the `$variables` an AST reads. */
function variablesOf(ast: unknown): Set<string> {
  const out = new Set<string>();
  const walk = (n: unknown): void => {
    if (!n || typeof n !== 'object' || n instanceof RegExp) return;
    if (Array.isArray(n)) return n.forEach(walk);
    const node = n as Node;
    if (node.type === 'variable' && typeof node.value === 'string') out.add(node.value);
    for (const [k, v] of Object.entries(node)) if (k !== 'value') walk(v);
  };
  walk(ast);
  return out;
}

function jsonataMessage(e: unknown, offset = 0): string {
  const err = e as { message?: string; code?: string; position?: number };
  const pos = typeof err.position === 'number' ? ` at position ${Math.max(0, err.position - offset)}` : '';
  return `${err.code ? `${err.code} ` : ''}${err.message ?? String(e)}${pos}`;
}

export function createExpressionCompiler(bounds: ExpressionBounds = {}): ExpressionCompiler {
  const limits: EvalLimits = {
    maxSteps: bounds.maxSteps ?? DEFAULT_LIMITS.maxSteps,
    maxDepth: bounds.maxDepth ?? DEFAULT_LIMITS.maxDepth,
    maxSequence: bounds.maxSequence ?? DEFAULT_LIMITS.maxSequence,
    maxString: bounds.maxString ?? DEFAULT_LIMITS.maxString,
    maxResult: bounds.maxResult ?? DEFAULT_LIMITS.maxResult,
  };
  const programs = new Map<string, { program: string; offset: number }>();
  const compiled = new Map<string, jsonata.Expression>();
  const fast = new Map<string, ReturnType<typeof compileFast>>();
  const trustedPrograms = new Set<string>();
  // Definitions marked trusted whose programs are not listed yet: listed on the first question
  // about trust, so marking parses nothing (a definition loaded with deferred checks may not parse).
  const toTrust: Definition[] = [];
  const trustPending = (): void => {
    for (const def of toTrust.splice(0)) {
      for (const { path, expr } of expressionFields(def)) {
        try {
          trustedPrograms.add(programOf(expr, path, def.functions).program);
        } catch {
          // Does not parse: evaluating it fails with the syntax error, trusted or not.
        }
      }
    }
  };
  const fnVars = new Map<string, Set<string>>();
  let isolation: Isolation | undefined;

  const parse = (text: string, where: string, offset = 0): jsonata.Expression => {
    let c: jsonata.Expression;
    try {
      c = compileBounded(text, limits);
    } catch (e) {
      throw new CrmMcpError('definition_invalid', `${where}: JSONata syntax error: ${jsonataMessage(e, offset)}`, { cause: e, details: { field: where } });
    }
    const bad = astRegexProblems(c.ast());
    if (bad.length) throw new CrmMcpError('definition_invalid', `${where}: ${bad[0]}`, { details: { field: where } });
    return c;
  };

  const varsOfFunction = (name: string, body: string, where: string): Set<string> => {
    const key = `${name}\u0000${body}`;
    let v = fnVars.get(key);
    if (!v) {
      v = variablesOf(parse(body, where).ast());
      fnVars.set(key, v);
    }
    return v;
  };

  /** The expression preceded by the functions it calls, transitively, in a stable order. */
  const programOf = (expr: string, where: string, functions: Functions | undefined): { program: string; offset: number } => {
    if (!functions || Object.keys(functions).length === 0) return { program: expr, offset: 0 };
    const key = `${JSON.stringify(functions)}\u0000${expr}`;
    const hit = programs.get(key);
    if (hit) return hit;
    const used = new Set<string>();
    const pending = [...variablesOf(parse(expr, where).ast())];
    while (pending.length > 0) {
      const name = pending.pop()!;
      const body = functions[name];
      if (body === undefined || used.has(name)) continue;
      used.add(name);
      pending.push(...varsOfFunction(name, body, `functions.${name}`));
    }
    const names = [...used].sort();
    const preamble = names.length ? `(\n${names.map((n) => `$${n} := ${functions[n]};`).join('\n')}\n` : '';
    const out = names.length ? { program: `${preamble}${expr}\n)`, offset: preamble.length } : { program: expr, offset: 0 };
    if (programs.size > 5000) programs.clear();
    programs.set(key, out);
    return out;
  };

  const compileProgram = (p: { program: string; offset: number }, where: string): jsonata.Expression => {
    let c = compiled.get(p.program);
    if (!c) {
      c = parse(p.program, where, p.offset);
      compiled.set(p.program, c);
    }
    return c;
  };

  const fail = (kind: FailureKind, text: string, where: string, cause: unknown, position?: number, offset = 0): CrmMcpError => {
    const message = position === undefined ? text : `${text} at position ${Math.max(0, position - offset)}`;
    if (kind === 'bound') return new CrmMcpError('mapping_bound', `${where}: expression exceeded its evaluation bound (${message})`, { cause });
    if (kind === 'input') return new CrmMcpError('invalid_input', message, { cause });
    return new CrmMcpError('mapping_failed', `${where}: ${message}`, { cause });
  };

  const api: ExpressionCompiler = {
    compile(expr, where, functions) {
      return compileProgram(programOf(expr, where, functions), where);
    },
    evaluateFast(expr, input, bindings, where, functions) {
      if (bounds.fastPath === false) return NOT_FAST;
      const p = programOf(expr, where, functions);
      let f = fast.get(p.program);
      if (f === undefined) fast.set(p.program, (f = compileFast(compileProgram(p, where).ast() as Parameters<typeof compileFast>[0])));
      if (!f) return NOT_FAST;
      try {
        return runFast(f, input, bindings);
      } catch {
        // FALLBACK (or anything unexpected): the interpreter gives the reference result or error.
        return NOT_FAST;
      }
    },
    async evaluate(expr, input, bindings, where, functions) {
      const p = programOf(expr, where, functions);
      const c = compileProgram(p, where);
      const quick = api.evaluateFast(expr, input, bindings, where, functions);
      if (quick !== NOT_FAST) return quick;
      trustPending();
      if (trustedPrograms.has(p.program)) {
        try {
          return await evaluateBounded(c, input, bindings, limits);
        } catch (e) {
          const { kind, message, position } = classifyFailure(e);
          throw fail(kind, message, where, e, position, p.offset);
        }
      }
      isolation ??= createIsolation({ ...bounds.isolation, limits });
      try {
        return await isolation.evaluate(p.program, input, bindings);
      } catch (e) {
        if (e instanceof IsolationFailure) throw fail(e.kind, e.message, where, e, e.position, p.offset);
        throw fail('failed', (e as Error).message, where, e);
      }
    },
    trust(def) {
      toTrust.push(def);
    },
    trusted(expr, functions) {
      trustPending();
      return trustedPrograms.has(programOf(expr, 'expression', functions).program);
    },
    async close() {
      await isolation?.close();
    },
  };
  return api;
}

/** Every JSONata string in a (validated) definition, with its field path. */
export function expressionFields(def: Definition): Array<{ path: string; expr: string }> {
  const out: Array<{ path: string; expr: string }> = [];
  const add = (path: string, expr: string | undefined) => {
    if (expr !== undefined) out.push({ path, expr });
  };
  def.errors.forEach((r, i) => {
    add(`errors.${i}.match`, r.match);
    add(`errors.${i}.message`, r.message);
    add(`errors.${i}.provider_code`, r.provider_code);
    add(`errors.${i}.fields`, r.fields);
  });
  add('rate_limit.policy_from_body', def.rate_limit?.policy_from_body);
  for (const rn of UNIFIED_RESOURCES) {
    const res = def.resources[rn];
    if (!res) continue;
    add(`resources.${rn}.mapping`, res.mapping);
    for (const [k, cf] of Object.entries(res.custom_fields ?? {})) add(`resources.${rn}.custom_fields.${k}.expr`, cf.expr);
    const calls: Array<[string, { query?: string; headers?: string; body?: string; result: string; when?: string } | undefined]> = [
      [`resources.${rn}.discovery.properties`, res.discovery?.properties],
      [`resources.${rn}.discovery.pipelines`, res.discovery?.pipelines],
      ...Object.entries(res.includes ?? {}).map(([k, c]) => [`resources.${rn}.includes.${k}`, c] as [string, typeof c]),
    ];
    for (const [p, c] of calls) {
      if (!c) continue;
      add(`${p}.query`, c.query);
      add(`${p}.headers`, c.headers);
      add(`${p}.body`, c.body);
      add(`${p}.result`, c.result);
      add(`${p}.when`, c.when);
    }
    for (const mn of [...UNIFIED_METHODS, 'list_filtered'] as const) {
      const op = res[mn];
      if (!op) continue;
      const p = `resources.${rn}.${mn}`;
      add(`${p}.query`, op.query);
      add(`${p}.headers`, op.headers);
      add(`${p}.body`, op.body);
      add(`${p}.records`, op.records);
      add(`${p}.record`, op.record);
      add(`${p}.then_get`, op.then_get);
      for (const [f, r] of Object.entries(op.refuse ?? {})) add(`${p}.refuse.${f}.when`, typeof r === 'string' ? undefined : r.when);
      add(`${p}.failure`, op.failure);
      if (op.before) for (const k of ['query', 'headers', 'body', 'result', 'when'] as const) add(`${p}.before.${k}`, op.before[k]);
      add(`${p}.pagination.next`, op.pagination && 'next' in op.pagination ? op.pagination.next : undefined);
      add(`${p}.pagination.done`, op.pagination?.type === 'next_url' ? op.pagination.done : undefined);
      add(`${p}.pagination.has_more`, op.pagination?.type === 'offset' ? op.pagination.has_more : undefined);
    }
  }
  return out;
}

/** Compiles every expression and function of `def`; throws the first error with its field path. */
export function compileAll(def: Definition, compiler: ExpressionCompiler, prefix = ''): void {
  for (const [name, body] of Object.entries(def.functions)) compiler.compile(body, `${prefix}functions.${name}`);
  for (const { path, expr } of expressionFields(def)) compiler.compile(expr, `${prefix}${path}`, def.functions);
}
