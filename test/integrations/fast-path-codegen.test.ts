/**
 * The fast path's code generator (src/integrations/fast-codegen.ts) never writes text of a
 * definition into the JS source it compiles with `new Function`: mappings come from user-supplied
 * overrides. The source is made of fixed templates, integer indices and generated names only;
 * names, literals, regexes and templates reach it as constants. Expressions whose names and
 * literals hold quotes, backticks, comment markers, line separators, `${`, `__proto__` or
 * `constructor` still give exactly the interpreter's results. Where code generation from strings
 * is forbidden nothing is compiled and the interpreter maps.
 */
import fc from 'fast-check';
import jsonata from 'jsonata';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileBounded, DEFAULT_LIMITS } from '../../src/integrations/bounds.js';
import { generate, GENERATED_NAME as FUNCTION_NAME, RUNTIME } from '../../src/integrations/fast-codegen.js';
import { compileFast, FALLBACK, runFast } from '../../src/integrations/fast-path.js';
import type { Node } from '../../src/integrations/jsonata-ast.js';
import { distModule } from '../helpers/dist.js';

const HOSTILE = ["'", '"', '`', '*/', '/*', '//', '\u2028', '\u2029', '${', '\\', '__proto__', 'constructor', '</script>', '});', '\n'];

/** Every word the generated source may contain: its templates' keywords and generated names. */
const TEMPLATE_WORDS = new Set([...RUNTIME, 'const', 'let', 'return', 'function', FUNCTION_NAME, 'if', 'else', 'break', 'undefined', 'true', 'false', 'instanceof', 'push', 'items', 'K', 'R', 'i', 'b', 'c', 'k', 'v']);
const GENERATED_NAME = /^[ktqLS]\d+$/;

const ast = (expr: string): Node => jsonata(expr).ast() as unknown as Node;
const lit = (s: string): string => JSON.stringify(s);

function expectTemplateOnly(expr: string): string {
  const g = generate(ast(expr));
  expect(g, expr).not.toBeNull();
  const source = g!.source;
  // No string, regex, template or comment can even start: no quote, backtick, slash or backslash.
  expect(source, expr).not.toMatch(/['"`/\\\u2028\u2029]/);
  for (const h of HOSTILE.filter((x) => x !== '\n')) expect(source.includes(h), `${expr} source contains ${JSON.stringify(h)}`).toBe(false);
  const words = [...source.matchAll(/[A-Za-z_$][\w$]*/g)].map((m) => m[0]);
  expect(words.filter((w) => !TEMPLATE_WORDS.has(w) && !GENERATED_NAME.test(w)), expr).toEqual([]);
  expect(source.replace(/[A-Za-z_$][\w$]*/g, ''), expr).toMatch(/^[\s\d{}()[\],;:=!<>|&?.+-]*$/);
  return source;
}

async function expectSameAsInterpreter(expr: string, input: unknown, bindings: Record<string, unknown> = {}): Promise<'value' | 'fallback'> {
  const fn = compileFast(ast(expr));
  expect(fn, expr).not.toBeNull();
  let got: string;
  try {
    got = JSON.stringify(runFast(fn!, input, bindings)) ?? 'undefined';
  } catch (e) {
    if (e === FALLBACK) return 'fallback';
    throw e;
  }
  const ref = JSON.stringify(await compileBounded(expr, DEFAULT_LIMITS).evaluate(input, bindings)) ?? 'undefined';
  expect({ expr, input, got }).toEqual({ expr, input, got: ref });
  return 'value';
}

const hostileKey = HOSTILE.join('');
const hostileName = HOSTILE.filter((h) => h !== '`').join('');
const EXPRESSIONS = [
  `{${lit(hostileKey)}: \`${hostileName}\`, ${lit('constructor')}: \`constructor\`, 'lit': ${lit(hostileKey)}}`,
  `\`__proto__\`.\`constructor\``,
  `[\`${hostileName}\`.\`*/\`, ${lit('${x}')}, \`\${y}\`]`,
  `$contains(\`${hostileName}\`, ${lit(hostileKey)}) ? ${lit('`);}//')} : ${lit('\u2028')} & \`__proto__\``,
  `$replace(s, /['"\`]\\*\\/\\$\\{(.)/, ${lit("$1*/`'\"\u2028")})`,
  `$join(list, ${lit(hostileKey)})`,
  `$substring(${lit(hostileKey)}, 1, 3) = ${lit(hostileKey.slice(1, 4))}`,
  `$merge([\`__proto__\`, {${lit(hostileKey)}: 1e21}])`,
  `$input.\`${hostileName}\`[0]`,
];
const INPUTS: unknown[] = [
  {},
  { [hostileName]: 'h', [hostileKey]: 'k', constructor: 'c', s: 'a"*/${z}b', list: ['x', 'y'], '*/': 1, '${y}': [1, 2] },
  JSON.parse(`{"__proto__": {"constructor": "own", "x": 2}, ${lit(hostileName)}: {"*/": ["a", "b"]}, "s": "\`*/\${q"}`),
  { [hostileName]: [{ '*/': 'a' }, { '*/': ['b', 'c'] }], list: 'one' },
];

describe('fast path code generation', () => {
  it('writes no text of the expression into the generated source, for every hostile name and literal', () => {
    for (const expr of EXPRESSIONS) {
      expectTemplateOnly(expr);
      const fn = compileFast(ast(expr));
      for (const h of ['*/', '${', '__proto__', 'constructor', '\u2028', '`']) expect(String(fn).includes(h), `${expr}: ${h}`).toBe(false);
    }
  });

  it('gives the interpreter\'s results for hostile names and literals', async () => {
    let values = 0;
    for (const expr of EXPRESSIONS) {
      for (const input of INPUTS) if ((await expectSameAsInterpreter(expr, input, { input })) === 'value') values++;
    }
    expect(values).toBeGreaterThan(EXPRESSIONS.length * 2);
  });

  it('leaves an object constructor with a __proto__ key to the interpreter, which makes it an own field', async () => {
    const expr = "{'__proto__': $input, 'a': x}";
    expect(generate(ast(expr))).toBeNull();
    expect(compileFast(ast(expr))).toBeNull();
    const input = { x: 1, polluted: true };
    const out = (await compileBounded(expr, DEFAULT_LIMITS).evaluate(input, { input })) as Record<string, unknown>;
    expect(Object.hasOwn(out, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(out)).not.toBe(input);
  });

  it('keeps arbitrary generated names and literals out of the source, with the interpreter\'s results', async () => {
    const text = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.constantFrom(...HOSTILE), fc.string({ unit: fc.constantFrom(...HOSTILE) }));
    await fc.assert(
      fc.asyncProperty(text.filter((s) => !['__proto__', 'l', 'c', 'j'].includes(s)), text.filter((s) => s !== '' && !s.includes('`')), text, async (key, name, literal) => {
        const expr = `{${lit(key)}: \`${name}\`, 'l': ${lit(literal)}, 'c': $contains(\`${name}\`, ${lit(literal)}), 'j': $join([${lit(literal)}, \`${name}\`], ${lit(key)})}`;
        expectTemplateOnly(expr);
        for (const input of [{ [name]: literal }, { [name]: [literal, key] }, { [name]: 7 }]) await expectSameAsInterpreter(expr, input);
      }),
      { numRuns: 150 },
    );
  });

  it('where code generation from strings is forbidden, compiles nothing and maps through the interpreter', () => {
    const script = `
      const fp = await import(${JSON.stringify(distModule('integrations/fast-path'))});
      const ex = await import(${JSON.stringify(distModule('integrations/expressions'))});
      const c = ex.createExpressionCompiler();
      const expr = "{'a': x, 'b': $contains(x, 'y')}";
      const out = { compiled: fp.compileFast(c.compile(expr, 'w').ast()) !== null, fast: c.evaluateFast(expr, { x: 'xy' }, {}, 'w') !== ex.NOT_FAST, value: await c.evaluate(expr, { x: 'xy' }, {}, 'w') };
      await c.close();
      console.log(JSON.stringify(out));`;
    const dir = mkdtempSync(join(tmpdir(), 'fast-codegen-'));
    const file = join(dir, 'run.mjs');
    writeFileSync(file, script);
    const run = (flags: string[]) => {
      const r = spawnSync(process.execPath, [...flags, file], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as unknown;
    };
    try {
      expect(run([])).toEqual({ compiled: true, fast: true, value: { a: 'xy', b: true } });
      expect(run(['--disallow-code-generation-from-strings'])).toEqual({ compiled: false, fast: false, value: { a: 'xy', b: true } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
