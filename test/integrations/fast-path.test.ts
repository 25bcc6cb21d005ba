/**
 * The compiled fast path (src/integrations/fast-path.ts) must give exactly what the jsonata
 * interpreter gives, or step aside (FALLBACK). Differential: every expression of the shipped
 * definitions, over every object in the golden provider fixtures and over generated records
 * built from the field names those expressions read (absent, null, '', dates in every
 * provider format, millis, numbers as strings, arrays, nested objects).
 */
import fc from 'fast-check';
import jsonata from 'jsonata';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileFast, FALLBACK, runFast } from '../../src/integrations/fast-path.js';
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
async function reference(expr: string, input: unknown): Promise<Outcome> {
  try {
    return { kind: 'value', json: JSON.stringify(await jsonata(expr).evaluate(input)) ?? 'undefined' };
  } catch {
    return { kind: 'error' };
  }
}
function fast(fn: NonNullable<ReturnType<typeof compileFast>>, input: unknown): Outcome {
  try {
    return { kind: 'value', json: JSON.stringify(runFast(fn, input)) ?? 'undefined' };
  } catch (e) {
    if (e === FALLBACK) return { kind: 'fallback' };
    throw e;
  }
}

/** Field names the expressions read: the generated records use exactly these keys. */
const names = [...new Set(fields.flatMap((f) => [...f.expr.matchAll(/\b([A-Za-z_][A-Za-z0-9_]*)\b/g)].map((m) => m[1]!)))];
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

describe('JSONata fast path', () => {
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

  it('the compiler uses it and falls back to the interpreter for inputs outside it, with the interpreter\'s result', async () => {
    const c = createExpressionCompiler();
    const off = createExpressionCompiler({ fastPath: false });
    const expr = "{'n': $number(x), 'd': $fromMillis($number(x))}";
    for (const x of ['1706000000000', '0x10', 12, undefined]) {
      await expect(c.evaluate(expr, { x }, {}, 't')).resolves.toEqual(await off.evaluate(expr, { x }, {}, 't'));
    }
    await expect(c.evaluate("$number('abc')", {}, {}, 't')).rejects.toMatchObject({ code: 'mapping_failed' });
  });
});
