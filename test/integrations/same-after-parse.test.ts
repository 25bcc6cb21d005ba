/**
 * The engine's quick path past the unified record schema (src/unified/same-after-parse.ts): it
 * says yes only where zod accepts the record and gives back the same keys, in the same order, with
 * the same leaves — over generated records of every resource (shuffled keys, unknown keys,
 * missing defaults, wrong types, NaN, undefined, nested objects) — and it does say yes to the
 * records the shipped mappings make (or it would save nothing).
 */
import fc from 'fast-check';
import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadRegistry } from '../../src/integrations/index.js';
import { RECORD_SCHEMAS, UNIFIED_RESOURCES } from '../../src/unified/models.js';
import { sameAfterParse } from '../../src/unified/same-after-parse.js';

/** Same keys in the same order, same leaves (Object.is), all the way down. */
function sameDeep(a: unknown, b: unknown): boolean {
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameDeep(x, b[i]));
  if (typeof a === 'object' && a !== null) {
    if (typeof b !== 'object' || b === null || Array.isArray(b)) return false;
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k, i) => k === kb[i] && sameDeep((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return Object.is(a, b);
}

const checks = Object.fromEntries(UNIFIED_RESOURCES.map((r) => [r, sameAfterParse(RECORD_SCHEMAS[r])]));

const leaf = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.integer(),
  fc.constantFrom(1.5, -0, NaN, Infinity, -Infinity),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
);
const entry = fc.oneof(
  fc.record({ value: fc.oneof(fc.string({ maxLength: 6 }), fc.integer()), type: fc.constantFrom('work', 'mobile'), primary: fc.boolean() }, { requiredKeys: [], noNullPrototype: true }),
  fc.dictionary(fc.constantFrom('type', 'value', 'primary', 'extra'), leaf, { maxKeys: 4, noNullPrototype: true }),
  fc.string({ maxLength: 6 }),
);
const value = fc.oneof({ weight: 4, arbitrary: leaf }, fc.array(entry, { maxLength: 3 }), fc.array(fc.string({ maxLength: 6 }), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 4 }), leaf, { maxKeys: 2, noNullPrototype: true }));

/** Objects over the schema's own keys (and a few others), in any order: mostly close to valid. */
function records(resource: (typeof UNIFIED_RESOURCES)[number]): fc.Arbitrary<Record<string, unknown>> {
  const keys = [...Object.keys(RECORD_SCHEMAS[resource].shape), 'extra', 'Id'];
  return fc.uniqueArray(fc.tuple(fc.constantFrom(...keys), value), { selector: ([k]) => k, maxLength: keys.length }).map((pairs) => Object.fromEntries(pairs));
}

/** A valid record in the schema's key order, built from the shape (what a shipped mapping makes). */
function ordinary(resource: (typeof UNIFIED_RESOURCES)[number]): fc.Arbitrary<Record<string, unknown>> {
  const strings = fc.array(fc.string({ maxLength: 6 }), { maxLength: 3 });
  const entries = fc.array(fc.record({ value: fc.string({ maxLength: 8 }), type: fc.constantFrom('work', 'mobile'), primary: fc.constant(true) }, { requiredKeys: ['value'], noNullPrototype: true }), { maxLength: 2 });
  const byKey: Record<string, fc.Arbitrary<unknown>> = {
    id: fc.string({ minLength: 1, maxLength: 6 }), emails: entries, phones: entries, amount: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true })),
    employee_count: fc.option(fc.integer()), deal_ids: strings, contact_ids: strings, company_ids: strings,
  };
  const shape = Object.keys(RECORD_SCHEMAS[resource].shape).filter((k) => k !== 'custom_fields' && k !== 'remote_data');
  return fc.record(Object.fromEntries(shape.map((k) => [k, byKey[k] ?? fc.option(fc.string({ maxLength: 8 }))])), { requiredKeys: shape.filter((k) => k === 'id' || k.endsWith('s')), noNullPrototype: true });
}

/** An ordinary record changed one way: keys shuffled, one key dropped, added or given another value. */
function nearly(resource: (typeof UNIFIED_RESOURCES)[number]): fc.Arbitrary<Record<string, unknown>> {
  return fc.tuple(ordinary(resource), fc.nat(), fc.nat(), fc.constantFrom('shuffle', 'drop', 'add', 'set'), value).map(([rec, i, j, how, v]) => {
    const pairs = Object.entries(rec);
    const at = pairs.length ? i % pairs.length : 0;
    if (how === 'shuffle' && pairs.length > 1) [pairs[at], pairs[j % pairs.length]] = [pairs[j % pairs.length]!, pairs[at]!];
    if (how === 'drop') pairs.splice(at, 1);
    if (how === 'add') pairs.splice(at, 0, [['extra', 'Id', 'remote_data', 'custom_fields'][j % 4]!, v]);
    if (how === 'set' && pairs.length) pairs[at] = [pairs[at]![0], v];
    return Object.fromEntries(pairs);
  });
}

describe('same after parse', () => {
  for (const resource of UNIFIED_RESOURCES) {
    const schema = RECORD_SCHEMAS[resource];
    const check = checks[resource]!;

    it(`${resource}: a yes means zod accepts the record and gives back the same keys, order and values`, () => {
      let yes = 0;
      fc.assert(
        fc.property(fc.oneof(records(resource), ordinary(resource), nearly(resource)), (rec) => {
          if (!check(rec)) return;
          yes++;
          const parsed = schema.safeParse(rec);
          expect(parsed.success).toBe(true);
          expect(sameDeep(parsed.data, rec)).toBe(true);
        }),
        { numRuns: 3000 },
      );
      expect(yes).toBeGreaterThan(300);
    });

    it(`${resource}: says yes to ordinary records in the schema's key order`, () => {
      fc.assert(fc.property(ordinary(resource), (rec) => check(rec)), { numRuns: 300 });
    });
  }

  it('says no to each way zod would change or refuse a record', () => {
    const check = checks.contacts!;
    const ok = { id: '1', first_name: 'Ann', emails: [{ value: 'a@x.io', type: 'work', primary: true }], phones: [], owner_id: null };
    expect(check(ok)).toBe(true);
    const no: Array<[string, unknown]> = [
      ['keys out of the schema order', { first_name: 'Ann', id: '1', emails: [], phones: [] }],
      ['an unknown key (zod strips it)', { ...ok, Id: '1' }],
      ['a default left out (zod adds it)', { id: '1', emails: [] }],
      ['a required key left out', { first_name: 'Ann', emails: [], phones: [] }],
      ['an undefined value', { ...ok, title: undefined }],
      ['a wrong type', { ...ok, title: 3 }],
      ['an unknown key in a nested object', { ...ok, emails: [{ value: 'a@x.io', label: 'x' }] }],
      ['nested keys out of order', { ...ok, emails: [{ type: 'work', value: 'a@x.io' }] }],
      ['custom_fields (a record of unknown: zod copies it)', { ...ok, custom_fields: { tier: 1 } }],
      ['a null prototype', Object.assign(Object.create(null) as object, ok)],
      ['an array hole', { ...ok, deal_ids: Object.assign(new Array<string>(3), { 0: 'a', 2: 'b' }) }],
      ['an array', [ok]],
      ['null', null],
    ];
    for (const [why, rec] of no) expect(check(rec), why).toBe(false);
    // A yes also says no list holds a null (the engine then skips dropping nulls from lists).
    expect(sameAfterParse(z.object({ a: z.array(z.string().nullable()) }))!({ a: ['x', null] })).toBe(false);
    expect(sameAfterParse(z.object({ a: z.array(z.string().nullable()) }))!({ a: ['x'] })).toBe(true);
    const deal = checks.deals!;
    for (const amount of [NaN, Infinity, -Infinity]) expect(deal({ id: '1', amount, contact_ids: [] })).toBe(false);
    expect(deal({ id: '1', amount: -0, contact_ids: [] })).toBe(true);
  });

  it('compiles nothing for kinds it does not know: those are always parsed by zod', () => {
    expect(sameAfterParse(z.string().min(1))).toBeUndefined();
    expect(sameAfterParse(z.object({ a: z.string() }).strict())).toBeUndefined();
    expect(sameAfterParse(z.object({ a: z.record(z.string(), z.unknown()) }))).toBeUndefined();
    expect(sameAfterParse(z.object({ a: z.string().transform((s) => s.length) }))).toBeUndefined();
    expect(sameAfterParse(z.object({ a: z.number().int() }))).toBeUndefined();
  });

  it("every shipped mapping writes the unified keys in the schema's order, so its records take the quick path", () => {
    for (const def of loadRegistry().list()) {
      for (const [resource, r] of Object.entries(def.resources)) {
        const ast = jsonata(r.mapping).ast() as { type: string; value: string; lhs: Array<[{ value: string }, unknown]> };
        expect(ast.type === 'unary' && ast.value === '{', `${def.name} ${resource}`).toBe(true);
        const keys = ast.lhs.map(([k]) => k.value);
        const shape = Object.keys(RECORD_SCHEMAS[resource as keyof typeof RECORD_SCHEMAS].shape);
        expect(keys, `${def.name} ${resource}`).toEqual(shape.filter((k) => keys.includes(k)));
      }
    }
  });
});
