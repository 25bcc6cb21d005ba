/**
 * The bounded JSONata interpreter, the same in the server and in the isolation worker. Every bound
 * counts work, never time, so load cannot trip it and an expression cannot escape it:
 *   - a budget of evaluation steps per evaluation (jsonata's `__evaluate_entry` hook, counted on
 *     the evaluation's own root frame, so concurrent evaluations never share a count);
 *   - a maximum evaluation depth (jsonata's `stack` guardrail) and sequence length (`sequence`);
 *   - a cap on the length of any string and array a step produces (`__evaluate_exit`), checked
 *     *before* allocating by `$pad`, `$join` and `$replace` (the functions that multiply sizes:
 *     `$pad(x, 200000000)` is refused, not built), and a cap on the size of the result;
 *   - regular expressions on RE2 (regex.ts): linear time.
 * A broken bound throws `BoundError`; `classifyFailure` turns any evaluation failure into data.
 */
import type Jsonata from 'jsonata';
import { jsonata } from './jsonata.js';
import { Re2Engine, regexProblem } from './regex.js';

export interface EvalLimits {
  /** Evaluation steps per evaluation (default 100 000; a shipped record mapping takes a few hundred). */
  maxSteps: number;
  /** Evaluation depth (default 300). */
  maxDepth: number;
  /** Length of a sequence or array (default 100 000). */
  maxSequence: number;
  /** Length of a string an expression builds (default 5 000 000 characters). */
  maxString: number;
  /** Size of the result, in characters and values (default 20 000 000). */
  maxResult: number;
}

export const DEFAULT_LIMITS: EvalLimits = { maxSteps: 100_000, maxDepth: 300, maxSequence: 100_000, maxString: 5_000_000, maxResult: 20_000_000 };

export class BoundError extends Error {
  readonly code = 'BOUND';
}

const STEPS = Symbol('crm-mcp.steps');
const ENTRY = Symbol.for('jsonata.__evaluate_entry');
const EXIT = Symbol.for('jsonata.__evaluate_exit');

interface Frame {
  base: Record<symbol, number | undefined>;
}

const cpLength = (s: string): number => {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff) n++;
  }
  return n;
};

/** `$pad` with the width checked before anything is allocated. */
function boundedPad(limits: EvalLimits) {
  return (str: string | undefined, width: number, char?: string): string | undefined => {
    if (str === undefined) return undefined;
    const w = Math.trunc(width);
    if (Math.abs(w) > limits.maxString) throw new BoundError(`$pad to ${Math.abs(w)} characters exceeds the string bound (${limits.maxString})`);
    const pad = char === undefined || char.length === 0 ? ' ' : char;
    const need = Math.abs(w) - cpLength(str);
    if (need <= 0) return str;
    const padding = Array.from(pad.repeat(Math.ceil(need / cpLength(pad)))).slice(0, need).join('');
    return w > 0 ? str + padding : padding + str;
  };
}

function boundedJoin(limits: EvalLimits) {
  return (strs: string[] | undefined, separator?: string): string | undefined => {
    if (strs === undefined) return undefined;
    const sep = separator ?? '';
    let total = sep.length * Math.max(0, strs.length - 1);
    for (const s of strs) total += s.length;
    if (total > limits.maxString) throw new BoundError(`$join would build ${total} characters, over the string bound (${limits.maxString})`);
    return strs.join(sep);
  };
}

interface MatchResult {
  match: string;
  start: number;
  end: number;
  groups: Array<string | undefined>;
  next(): MatchResult | undefined | Promise<MatchResult | undefined>;
}
type Callable = { apply(self: unknown, args: unknown[]): unknown };

/** `$n` expansion as jsonata does it ($$ literal, $0 whole match, greedy group digits). */
function substitute(template: string, m: MatchResult): string {
  let out = '';
  let position = 0;
  let index = template.indexOf('$', position);
  while (index !== -1 && position < template.length) {
    out += template.substring(position, index);
    position = index + 1;
    const next = template.charAt(position);
    if (next === '$') {
      out += '$';
      position++;
    } else if (next === '0') {
      out += m.match;
      position++;
    } else {
      const maxDigits = m.groups.length === 0 ? 1 : Math.floor(Math.log(m.groups.length) * Math.LOG10E) + 1;
      let n = parseInt(template.substring(position, position + maxDigits), 10);
      if (maxDigits > 1 && n > m.groups.length) n = parseInt(template.substring(position, position + maxDigits - 1), 10);
      if (!Number.isNaN(n)) {
        if (m.groups.length > 0) out += m.groups[n - 1] ?? '';
        position += n.toString().length;
      } else out += '$';
    }
    index = template.indexOf('$', position);
  }
  return out + template.substring(position);
}

/** `$replace` as jsonata's, with the result length checked as it grows. */
function boundedReplace(limits: EvalLimits) {
  return async function (this: unknown, str: string | undefined, pattern: string | Callable, replacement: string | Callable, limit?: number): Promise<string | undefined> {
    if (str === undefined) return undefined;
    if (pattern === '') throw { code: 'D3010', stack: new Error().stack, value: pattern, index: 2 };
    if (limit !== undefined && limit < 0) throw { code: 'D3011', stack: new Error().stack, value: limit, index: 4 };
    let result = '';
    const grow = (s: string) => {
      if (result.length + s.length > limits.maxString) throw new BoundError(`$replace would build more than ${limits.maxString} characters`);
      result += s;
    };
    if (limit === 0) return str;
    let count = 0;
    let position = 0;
    if (typeof pattern === 'string') {
      if (typeof replacement !== 'string') throw { code: 'D3012', stack: new Error().stack, value: replacement };
      let index = str.indexOf(pattern, position);
      while (index !== -1 && (limit === undefined || count < limit)) {
        grow(str.substring(position, index));
        grow(replacement);
        position = index + pattern.length;
        count++;
        index = str.indexOf(pattern, position);
      }
      grow(str.substring(position));
      return result;
    }
    let m = (await pattern.apply(this, [str])) as MatchResult | undefined;
    if (m === undefined) return str;
    while (m !== undefined && (limit === undefined || count < limit)) {
      grow(str.substring(position, m.start));
      const replaced = typeof replacement === 'string' ? substitute(replacement, m) : await replacement.apply(this, [m]);
      if (typeof replaced !== 'string') throw { code: 'D3012', stack: new Error().stack, value: replaced };
      grow(replaced);
      position = m.start + m.match.length;
      count++;
      m = await m.next();
    }
    grow(str.substring(position));
    return result;
  };
}

/** Regex literals RE2 cannot run, as messages (empty when all can). */
export function astRegexProblems(ast: unknown): string[] {
  const out: string[] = [];
  const seen = new Set<unknown>();
  const walk = (n: unknown): void => {
    if (!n || typeof n !== 'object' || seen.has(n)) return;
    seen.add(n);
    if (n instanceof RegExp) {
      const p = regexProblem(n.source, n.flags);
      if (p) out.push(p);
      return;
    }
    for (const v of Object.values(n as Record<string, unknown>)) walk(v);
  };
  walk(ast);
  return out;
}

/** Parses `expr` (throws jsonata's syntax error) and arms it with the bounds. */
export function compileBounded(expr: string, limits: EvalLimits): Jsonata.Expression {
  const compiled = jsonata(expr, { RegexEngine: Re2Engine as unknown as RegExpConstructor, stack: limits.maxDepth, sequence: limits.maxSequence } as never);
  const assign = compiled.assign as (name: string | symbol, value: unknown) => void;
  assign(ENTRY, (_e: unknown, _i: unknown, env: Frame) => {
    const n = (env.base[STEPS] ?? 0) + 1;
    env.base[STEPS] = n;
    if (n > limits.maxSteps) throw new BoundError(`more than ${limits.maxSteps} evaluation steps`);
  });
  assign(EXIT, (_e: unknown, _i: unknown, _env: unknown, result: unknown) => {
    if (typeof result === 'string' ? result.length > limits.maxString : Array.isArray(result) && result.length > limits.maxSequence) {
      throw new BoundError(typeof result === 'string' ? `a string of ${result.length} characters (bound ${limits.maxString})` : `an array of ${(result as unknown[]).length} items`);
    }
  });
  compiled.registerFunction('pad', boundedPad(limits), '<s-ns?:s>');
  compiled.registerFunction('join', boundedJoin(limits), '<a<s>s?:s>');
  compiled.registerFunction('replace', boundedReplace(limits) as never, '<s-(sf)(sf)n?:s>');
  return compiled;
}

/** Throws BoundError when `v` is larger than `max` (characters of strings plus one per value). */
function checkResultSize(v: unknown, max: number): void {
  let size = 0;
  const stack: unknown[] = [v];
  while (stack.length > 0) {
    const x = stack.pop();
    size += typeof x === 'string' ? x.length + 1 : 1;
    if (size > max) throw new BoundError(`a result larger than ${max}`);
    if (Array.isArray(x)) for (const y of x) stack.push(y);
    else if (x && typeof x === 'object') for (const [k, y] of Object.entries(x)) stack.push(k, y);
  }
}

export async function evaluateBounded(compiled: Jsonata.Expression, input: unknown, bindings: Record<string, unknown>, limits: EvalLimits): Promise<unknown> {
  const out = await compiled.evaluate(input, bindings);
  checkResultSize(out, limits.maxResult);
  return out;
}

export type FailureKind = 'bound' | 'input' | 'failed';

/**
 * What an evaluation failure means: a bound broken (ours, jsonata's depth/sequence/range limits,
 * or the engine running out of string or stack), invalid caller input (`$error` → D3137), or a
 * plain mapping failure; with a message safe to show.
 */
export function classifyFailure(e: unknown): { kind: FailureKind; message: string; position?: number } {
  const err = e as { code?: string; message?: string; position?: number };
  const message = `${err.code && err.code !== 'BOUND' ? `${err.code} ` : ''}${err.message ?? String(e)}`;
  const at = typeof err.position === 'number' ? { position: err.position } : {};
  if (e instanceof BoundError || err.code === 'D1011' || err.code === 'D2014' || err.code === 'D2015' || e instanceof RangeError) return { kind: 'bound', message, ...at };
  if (err.code === 'D3137') return { kind: 'input', message: err.message ?? String(e) };
  return { kind: 'failed', message, ...at };
}
