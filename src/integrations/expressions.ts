/**
 * JSONata compilation and bounded evaluation. Each distinct expression string is parsed once
 * per compiler (cache keyed by the string). Evaluation is bounded by jsonata's own guardrails
 * (`timeout` ms of evaluation and `stack` depth, checked on every evaluation step), so a
 * runaway expression fails that one evaluation with `mapping_timeout` and nothing else.
 *
 * jsonata's timeout is wall-clock from the start of `evaluate`, and its evaluator yields at
 * every step, so concurrent evaluations interleave and each would be charged for the others'
 * work: 16 concurrent tool calls mapping pages timed out spuriously. Evaluations therefore run
 * one at a time per compiler. That costs no throughput (they never wait on I/O, the CPU is the
 * bottleneck either way) and makes the bound mean "this expression's own time".
 */
import jsonata from 'jsonata';
import { CrmMcpError } from '../core/errors.js';
import { compileFast, runFast } from './fast-path.js';
import { UNIFIED_METHODS, UNIFIED_RESOURCES } from '../unified/models.js';
import type { Definition } from './schema.js';

export interface ExpressionBounds {
  /** Max milliseconds one evaluation may run (default 250). */
  timeoutMs?: number;
  /** Max evaluation depth (default 300). */
  maxDepth?: number;
  /** Max sequence length (default 100 000). */
  maxSequence?: number;
  /** Run expressions of the mapping subset as compiled JS (fast-path.ts); default true. */
  fastPath?: boolean;
}

export interface ExpressionCompiler {
  /** Throws CrmMcpError('definition_invalid') naming `where` on a syntax error. */
  compile(expr: string, where: string): jsonata.Expression;
  /** Evaluates with the bounds; throws CrmMcpError 'mapping_timeout' or 'mapping_failed'. */
  evaluate(expr: string, input: unknown, bindings: Record<string, unknown>, where: string): Promise<unknown>;
}

export function createExpressionCompiler(bounds: ExpressionBounds = {}): ExpressionCompiler {
  const cache = new Map<string, jsonata.Expression>();
  const options = { timeout: bounds.timeoutMs ?? 250, stack: bounds.maxDepth ?? 300, sequence: bounds.maxSequence ?? 100_000 };
  const compile = (expr: string, where: string): jsonata.Expression => {
    const hit = cache.get(expr);
    if (hit) return hit;
    let compiled: jsonata.Expression;
    try {
      compiled = jsonata(expr, options);
    } catch (e) {
      throw new CrmMcpError('definition_invalid', `${where}: JSONata syntax error: ${jsonataMessage(e)}`, { cause: e, details: { field: where } });
    }
    cache.set(expr, compiled);
    return compiled;
  };
  const fastCache = new Map<string, ReturnType<typeof compileFast>>();
  const fastOf = (expr: string, compiled: jsonata.Expression) => {
    if (bounds.fastPath === false) return null;
    let f = fastCache.get(expr);
    if (f === undefined) fastCache.set(expr, (f = compileFast(compiled.ast() as Parameters<typeof compileFast>[0])));
    return f;
  };
  let tail: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(run: () => Promise<T>): Promise<T> => {
    const result = tail.then(run);
    tail = result.catch(() => undefined);
    return result;
  };
  return {
    compile,
    async evaluate(expr, input, bindings, where) {
      const compiled = compile(expr, where);
      const fast = fastOf(expr, compiled);
      if (fast) {
        try {
          return runFast(fast, input);
        } catch {
          // FALLBACK (or anything unexpected): the interpreter gives the reference result or error.
        }
      }
      try {
        return await exclusive(() => compiled.evaluate(input, bindings));
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code === 'D1011' || code === 'D1012' || code === 'D2015' || e instanceof RangeError) {
          throw new CrmMcpError('mapping_timeout', `${where}: expression exceeded its evaluation bound (${jsonataMessage(e)})`, { cause: e });
        }
        if (code === 'D3137') throw new CrmMcpError('invalid_input', (e as Error).message, { cause: e });
        throw new CrmMcpError('mapping_failed', `${where}: ${jsonataMessage(e)}`, { cause: e });
      }
    },
  };
}

function jsonataMessage(e: unknown): string {
  const err = e as { message?: string; code?: string; position?: number };
  const pos = typeof err.position === 'number' ? ` at position ${err.position}` : '';
  return `${err.code ? `${err.code} ` : ''}${err.message ?? String(e)}${pos}`;
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
    for (const mn of UNIFIED_METHODS) {
      const op = res[mn];
      if (!op) continue;
      const p = `resources.${rn}.${mn}`;
      add(`${p}.query`, op.query);
      add(`${p}.headers`, op.headers);
      add(`${p}.body`, op.body);
      add(`${p}.records`, op.records);
      add(`${p}.record`, op.record);
      add(`${p}.then_get`, op.then_get);
      add(`${p}.pagination.next`, op.pagination && 'next' in op.pagination ? op.pagination.next : undefined);
      add(`${p}.pagination.done`, op.pagination?.type === 'next_url' ? op.pagination.done : undefined);
      add(`${p}.pagination.has_more`, op.pagination?.type === 'offset' ? op.pagination.has_more : undefined);
    }
  }
  return out;
}

/** Compiles every expression of `def`; throws the first syntax error with its field path. */
export function compileAll(def: Definition, compiler: ExpressionCompiler, prefix = ''): void {
  for (const { path, expr } of expressionFields(def)) compiler.compile(expr, `${prefix}${path}`);
}
