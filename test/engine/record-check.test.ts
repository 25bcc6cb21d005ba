import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compileCheck, MISS } from '../../src/engine/record-check.js';
import { RECORD_SCHEMAS, UNIFIED_RESOURCES } from '../../src/unified/models.js';

/** Own keys in order with their values, undefined included (what JSON.stringify and toEqual would hide). */
const shape = (v: unknown): unknown =>
  Array.isArray(v) ? v.map(shape) : typeof v === 'object' && v !== null ? Object.keys(v).map((k) => [k, shape((v as Record<string, unknown>)[k])]) : v;

const jsonProto = JSON.parse('{"__proto__": 1, "a": 2}') as unknown;
class Boxed { id = 'x'; }

const inputs: unknown[] = [
  { id: '1' },
  { id: '1', first_name: 'Ada', last_name: null, emails: [{ value: 'a@x.io', primary: true, extra: 1 }], phones: [], title: undefined, surplus: 'dropped' },
  { id: '2', name: 'Acme', domain: 'acme.io', employee_count: 12, phones: [{ value: '+1', type: 'work' }], custom_fields: { size: 3, tags: ['a'] } },
  { id: '3', amount: 10.5, currency: null, contact_ids: ['1', '2'], stage: 'won', remote_data: { raw: true } },
  { id: '4', body: 'note', contact_ids: [], company_ids: ['9'], deal_ids: undefined, created_at: '2026-01-01T00:00:00Z' },
  { id: '5', emails: undefined, phones: undefined, owner_id: null, custom_fields: undefined },
  { id: 5 },
  {},
  { id: '6', emails: [{ value: 7 }] },
  { id: '6', emails: [null] },
  { id: '7', amount: Number.NaN },
  { id: '7', amount: Number.POSITIVE_INFINITY, employee_count: '3' },
  { id: '8', contact_ids: 'one' },
  { id: '9', custom_fields: jsonProto },
  { id: '9', remote_data: [] },
  { id: '10', custom_fields: new Boxed() },
  new Boxed(),
  Object.assign(Object.create(null) as object, { id: '11', emails: [] }),
  null,
  [{ id: '1' }],
  'id',
];

describe('record check: a plain-function twin of the unified record schemas', () => {
  for (const resource of UNIFIED_RESOURCES) {
    const schema = RECORD_SCHEMAS[resource];
    const check = compileCheck(schema);

    it(`${resource}: whatever the twin accepts, zod accepts with the same keys, order and values; whatever zod refuses, the twin refuses`, () => {
      for (const input of inputs) {
        const mine = check(input);
        const theirs = schema.safeParse(input);
        if (mine !== MISS) {
          expect(theirs.success, JSON.stringify(input)).toBe(true);
          expect(shape(mine)).toEqual(shape(theirs.data));
        }
        if (!theirs.success) expect(mine).toBe(MISS);
      }
    });

    it(`${resource}: the twin covers well-formed records (zod is not run for them)`, () => {
      expect(check({ id: 'r1' })).not.toBe(MISS);
      expect(check({ id: 'r1', custom_fields: { a: 1 }, remote_data: { b: 2 }, owner_id: null })).not.toBe(MISS);
    });

    it(`${resource}: a default is a fresh value per record`, () => {
      const a = check({ id: '1' }) as Record<string, unknown[]>;
      const b = check({ id: '2' }) as Record<string, unknown[]>;
      const lists = Object.keys(a).filter((k) => Array.isArray(a[k]));
      expect(lists.length).toBeGreaterThan(0);
      for (const k of lists) expect(a[k]).not.toBe(b[k]);
    });
  }

  it('a schema with checks, coercion or a kind it does not cover is left to zod (always MISS)', () => {
    for (const s of [z.object({ id: z.string().max(3) }), z.object({ n: z.coerce.number() }), z.object({ u: z.union([z.string(), z.number()]) }), z.object({ id: z.string() }).loose()]) {
      expect(compileCheck(s)({ id: 'a', n: 1, u: 'x' })).toBe(MISS);
    }
  });
});
