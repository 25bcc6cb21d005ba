/**
 * The compiled fast path (src/integrations/fast-path.ts) must give exactly what the bounded
 * jsonata interpreter gives, or step aside (FALLBACK). Differential: every expression of the
 * shipped definitions, over every object in the golden provider fixtures and over generated
 * records and bindings ($input, $limit, $page, $fields, $vars) built from the field names those
 * expressions read (absent, null, '', dates in every provider format, millis, numbers as
 * strings, arrays, nested objects).
 */
import fc from 'fast-check';
import jsonata from 'jsonata';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileBounded, DEFAULT_LIMITS } from '../../src/integrations/bounds.js';
import { compileFast, FALLBACK, runFast, type Bindings } from '../../src/integrations/fast-path.js';
import { createExpressionCompiler, expressionFields, loadRegistry } from '../../src/integrations/index.js';

const defs = loadRegistry().list();
const fields = defs.flatMap((d) => expressionFields(d).map((f) => ({ ...f, where: `${d.name} ${f.path}` })));
const mappings = fields.filter((f) => /^resources\.\w+\.(mapping|custom_fields\.)/.test(f.path));
const compiled = fields.map((f) => ({ ...f, fast: compileFast(jsonata(f.expr).ast() as Parameters<typeof compileFast>[0]) })).filter((f) => f.fast !== null);

function objectsIn(v: unknown, out: unknown[] = []): unknown[] {
  if (Array.isArray(v)) v.forEach((x) => objectsIn(x, out));
  else if (v && typeof v === 'object') {
    out.push(v);
    Object.values(v).forEach((x) => objectsIn(x, out));
  }
  return out;
}
const goldenDir = new URL('../fixtures/golden/', import.meta.url).pathname;
const fixtureObjects = readdirSync(goldenDir).flatMap((crm) =>
  readdirSync(join(goldenDir, crm)).filter((f) => f.endsWith('.input.json')).flatMap((f) => objectsIn(JSON.parse(readFileSync(join(goldenDir, crm, f), 'utf8')))),
);

type Outcome = { kind: 'value'; json: string } | { kind: 'error' } | { kind: 'fallback' };
async function reference(expr: string, input: unknown, bindings: Bindings = {}): Promise<Outcome> {
  try {
    return { kind: 'value', json: JSON.stringify(await compileBounded(expr, DEFAULT_LIMITS).evaluate(input, bindings)) ?? 'undefined' };
  } catch {
    return { kind: 'error' };
  }
}
function fast(fn: NonNullable<ReturnType<typeof compileFast>>, input: unknown, bindings: Bindings = {}): Outcome {
  try {
    return { kind: 'value', json: JSON.stringify(runFast(fn, input, bindings)) ?? 'undefined' };
  } catch (e) {
    if (e === FALLBACK) return { kind: 'fallback' };
    throw e;
  }
}

/**
 * Every construct of the subset in the places the shipped definitions do not use it: multi-item
 * paths (a Seq) through conditions, constructors, functions and operators; index steps; nested
 * array constructors; lazy `and`/`or`; a regex where a value is expected; variable-start paths.
 */
const synthetic = [
  'a.b',
  'a.b[0]',
  'a.b[-1].c',
  'a[1].b',
  'x ? a.b : c',
  'x ? c : a.b.c',
  'a.b ? a.b : [c]',
  '{"s": a.b, "t": x ? a.b, "u": [a.b, [a.b], [[c]], x]}',
  '[a.b, c, x ? a.b : a, a.b.c]',
  '$join(a.b, "-")',
  '$merge(a.b)',
  '$merge([a, c])',
  '$exists(a.b) and $exists(c) or x',
  'x and a.b.c or (c = "abc") or (x != a.b)',
  '$string(a.b) & $substring(c, 1, 2)',
  '$number(a.b.c) = 12.5',
  '$replace(c, /(b)(c)?/, "[$2$1]")',
  '$exists(/x/)',
  '$fromMillis($number(x), "[Y0001]-[M01]-[D01]")',
  '$input.a.b[0]',
  '{"l": $limit, "p": $page ? $page : "none", "f": $join($fields, ",")}',
];

/** Field names the expressions read: the generated records use exactly these keys. */
const names = [...new Set([...fields.map((f) => f.expr), ...synthetic].flatMap((e) => [...e.matchAll(/\b([A-Za-z_][A-Za-z0-9_]*)\b/g)].map((m) => m[1]!)))];
const leaf = fc.oneof(
  fc.constantFrom(null, '', '-', 'abc', 'x-y', '0', '12.50', '0x10', ' 5', '1e3', '2025-01-23T01:00:00.130Z', '2025-01-23T01:00:00.000+0000', '2026-01-19', '1706000000000', '003Fk00000001', '001Fk00000001', '006Fk00000001', 'https://www.acme.com/about', 'http://acme.com', 'ünïcødé-✓'),
  fc.string(),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.boolean(),
);
const record = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, leaf, tie('obj'), fc.array(tie('value'), { maxLength: 3 })),
  obj: fc.dictionary(fc.constantFrom(...names), tie('value'), { maxKeys: 8 }),
})).obj;

/** Records over the few field names of `synthetic`, so its paths meet arrays and several items. */
const small = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('obj'), tie('obj'), fc.array(tie('value'), { maxLength: 3 })),
  obj: fc.dictionary(fc.constantFrom('a', 'b', 'c', 'x'), tie('value'), { maxKeys: 4 }),
})).obj;

const bindings = fc.record({
  input: record,
  limit: fc.oneof(fc.integer({ min: 1, max: 2000 }), fc.constant(undefined)),
  page: fc.oneof(fc.string(), fc.integer({ min: 0 }), fc.constant(undefined)),
  fields: fc.array(fc.constantFrom(...names), { maxLength: 5 }),
  vars: fc.constant({ api_version: 'v61.0' }),
  id: fc.string(),
});

describe('JSONata fast path', () => {
  it('request builders with bindings ($limit, $input, $page, $fields) compile too, so they never wait on the interpreter', () => {
    for (const e of ["{'page_size': $limit}", "{'limit': $limit, 'properties': $join($fields, ',')}", "'batchSize=' & $string($limit)", "$page ? {'after': $page}"]) {
      expect(compileFast(jsonata(e).ast() as Parameters<typeof compileFast>[0]), e).not.toBeNull();
    }
    // Every list/get/search request builder except one that defines a lambda (Salesforce's SOQL escaping).
    const requests = fields.filter((f) => /\.(list|get|search)\.(query|headers|body)$/.test(f.path) && !f.expr.includes('function'));
    expect(requests.length).toBeGreaterThanOrEqual(15);
    const slow = requests.filter((r) => !compiled.some((c) => c.where === r.where)).map((r) => r.where);
    expect(slow).toEqual([]);
  });

  it('agrees with the interpreter on generated bindings', async () => {
    const withBindings = compiled.filter((f) => /\$(input|limit|page|fields|vars)\b/.test(f.expr));
    expect(withBindings.length).toBeGreaterThan(10);
    await fc.assert(
      fc.asyncProperty(bindings, async (b) => {
        for (const f of withBindings) {
          const got = fast(f.fast!, b.input, b);
          if (got.kind === 'fallback') continue;
          const ref = await reference(f.expr, b.input, b);
          if (JSON.stringify(ref) !== JSON.stringify(got)) throw new Error(`${f.where}\nbindings ${JSON.stringify(b)}\nfast ${JSON.stringify(got)}\nref  ${JSON.stringify(ref)}`);
        }
      }),
      { numRuns: Number(process.env.FAST_PATH_RUNS ?? 300) },
    );
  });

  it('compiles every record mapping and custom field of the shipped definitions', () => {
    expect(mappings.length).toBeGreaterThanOrEqual(8);
    const slow = mappings.filter((m) => !compiled.some((c) => c.where === m.where)).map((m) => m.where);
    expect(slow).toEqual([]);
  });

  it('agrees with the interpreter on every object of the golden fixtures', async () => {
    let compared = 0;
    for (const f of compiled) {
      for (const input of fixtureObjects) {
        const got = fast(f.fast!, input);
        if (got.kind === 'fallback') continue;
        expect({ where: f.where, input, out: got }).toEqual({ where: f.where, input, out: await reference(f.expr, input) });
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(1000);
  });

  it('agrees with the interpreter on generated records (or falls back); never a value where jsonata throws', async () => {
    let fallbacks = 0;
    let values = 0;
    await fc.assert(
      fc.asyncProperty(record, async (input) => {
        for (const f of compiled) {
          const got = fast(f.fast!, input);
          if (got.kind === 'fallback') {
            fallbacks++;
            continue;
          }
          values++;
          const ref = await reference(f.expr, input);
          if (JSON.stringify(ref) !== JSON.stringify(got)) throw new Error(`${f.where}\ninput ${JSON.stringify(input)}\nfast ${JSON.stringify(got)}\nref  ${JSON.stringify(ref)}`);
        }
      }),
      { numRuns: Number(process.env.FAST_PATH_RUNS ?? 400) },
    );
    expect(values).toBeGreaterThan(fallbacks);
  });

  it('agrees with the interpreter on synthetic expressions covering every construct of the subset', async () => {
    const fns = synthetic.map((expr) => ({ expr, fn: compileFast(jsonata(expr).ast() as Parameters<typeof compileFast>[0]) }));
    expect(fns.filter((f) => f.fn === null).map((f) => f.expr)).toEqual([]);
    const counts = new Map<string, { values: number; fallbacks: number }>(synthetic.map((e) => [e, { values: 0, fallbacks: 0 }]));
    await fc.assert(
      fc.asyncProperty(bindings, small, async (b, input) => {
        b.input = input;
        for (const f of fns) {
          const got = fast(f.fn!, input, b);
          const count = counts.get(f.expr)!;
          if (got.kind === 'fallback') {
            count.fallbacks++;
            continue;
          }
          count.values++;
          const ref = await reference(f.expr, input, b);
          if (JSON.stringify(ref) !== JSON.stringify(got)) throw new Error(`${f.expr}\nbindings ${JSON.stringify(b)}\nfast ${JSON.stringify(got)}\nref  ${JSON.stringify(ref)}`);
        }
      }),
      { numRuns: Number(process.env.FAST_PATH_RUNS ?? 400) },
    );
    // Each expression gave a value on some inputs (it is compared, not only skipped).
    expect([...counts].filter(([e, c]) => c.values === 0 && e !== '$exists(/x/)').map(([e]) => e)).toEqual([]);
  });

  it('the compiler uses it and falls back to the interpreter for inputs outside it, with the interpreter\'s result', async () => {
    const c = createExpressionCompiler();
    const off = createExpressionCompiler({ fastPath: false });
    afterAll(() => Promise.all([c.close(), off.close()]));
    const expr = "{'n': $number(x), 'd': $fromMillis($number(x))}";
    for (const x of ['1706000000000', '0x10', 12, undefined]) {
      await expect(c.evaluate(expr, { x }, {}, 't')).resolves.toEqual(await off.evaluate(expr, { x }, {}, 't'));
    }
    await expect(c.evaluate("$number('abc')", {}, {}, 't')).rejects.toMatchObject({ code: 'mapping_failed' });
  });
});
