/**
 * The fast path's quick yes on tool output (src/mcp/output-accept.ts): for every unified tool's
 * output schema, shared and with an account's typed custom fields, it says yes only where zod
 * says yes, over valid results and broken ones; it does say yes to an ordinary list and record
 * result (or it would save nothing); and a schema with a kind it does not know gets no acceptor.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { AccountSchemaFacts } from '../../src/engine/types.js';
import { outputAcceptor } from '../../src/mcp/output-accept.js';
import { accountOutputSchema, listOutput, portable, recordOutput } from '../../src/mcp/schemas.js';
import { UNIFIED_RESOURCES } from '../../src/unified/models.js';

const facts: AccountSchemaFacts = {
  custom_fields: { contacts: { tier: { type: 'integer', field: 'tier_c' }, vip: { type: 'boolean' }, since: { type: 'date' }, note: { type: 'string' } } },
};

const schemas: Array<[string, z.ZodObject]> = UNIFIED_RESOURCES.flatMap((r) => {
  const list = listOutput(r);
  const rec = recordOutput(r, 'record');
  const write = recordOutput(r, 'record', { write: true });
  return [
    [`list ${r}`, portable(list)],
    [`record ${r}`, portable(rec)],
    [`write ${r}`, portable(write)],
    [`list ${r}, custom fields`, portable(accountOutputSchema(`list_${r}`, list, r, facts))],
    [`record ${r}, custom fields`, portable(accountOutputSchema(`get_${r}`, rec, r, facts))],
  ] as Array<[string, z.ZodObject]>;
});

const rl = { limit: 100, remaining: 99, reset_seconds: 10 };
const rec = { id: '1', first_name: 'Ann', emails: [{ value: 'a@x.io' }], custom_fields: { tier: 2, vip: true } };
const bad: unknown[] = [
  undefined, null, 'x', 3, [], [rec],
  { id: 1 }, { first_name: 'no id' }, [rec, rec], null, 'rec',
  { ...rec, custom_fields: { tier: 2.5 } }, { ...rec, custom_fields: { tier: 'two' } }, { ...rec, custom_fields: { since: '2024-13' } },
  { ...rec, custom_fields: { vip: 'yes' } }, { ...rec, custom_fields: null }, { ...rec, custom_fields: [] },
];
function values(key: string, list: boolean): unknown[] {
  const base = (v: unknown) => ({ [key]: v, rate_limit: rl });
  const out: unknown[] = [
    list ? { [key]: [rec, { id: '2' }], next_cursor: 'c1.x', rate_limit: rl } : base(rec),
    list ? { [key]: [], next_cursor: null, rate_limit: rl } : base({ id: '2' }),
    { error: { code: 'not_found', message: 'x' }, rate_limit: rl },
    { rate_limit: rl, extra: 'stripped' },
    { [key]: list ? [rec] : rec },
    { [key]: list ? [rec] : rec, rate_limit: [] },
    { [key]: list ? [rec] : rec, rate_limit: null },
    { [key]: list ? [rec] : rec, rate_limit: rl, next_cursor: '' },
    { [key]: list ? [rec] : rec, rate_limit: rl, next_cursor: 5 },
    { [key]: list ? [rec] : rec, rate_limit: rl, error: 'boom' },
    { [key]: list ? [rec] : rec, rate_limit: rl, dry_run: 'no' },
    { [key]: list ? [rec] : rec, rate_limit: rl, dry_run: { method: 'POST' } },
    [], null, 'text', undefined,
  ];
  for (const b of bad) out.push(base(list ? [rec, b] : b), base(b));
  return out;
}

describe('output acceptor', () => {
  for (const [name, schema] of schemas) {
    it(`${name}: yes only where zod says yes`, () => {
      const accepts = outputAcceptor(schema);
      const key = Object.keys(schema.shape).find((k) => k !== 'next_cursor' && k !== 'rate_limit' && k !== 'error' && k !== 'dry_run')!;
      const list = name.startsWith('list');
      const custom = name.endsWith('custom fields') && name.includes('contacts');
      // Typed custom fields (an integer, a date pattern) are zod's alone: no acceptor.
      if (custom) return expect(accepts).toBeUndefined();
      expect(accepts).toBeDefined();
      let yes = 0;
      for (const v of values(key, list)) {
        if (!accepts!(v)) continue;
        yes++;
        expect(schema.safeParse(v).success, JSON.stringify(v)).toBe(true);
      }
      expect(accepts!(values(key, list)[0])).toBe(true);
      expect(yes).toBeGreaterThan(1);
    });
  }

  it('a schema with a kind it does not know gets no acceptor (zod checks every value)', () => {
    expect(outputAcceptor(z.object({ n: z.number() }))).toBeUndefined();
    expect(outputAcceptor(z.object({ s: z.string().refine((x) => x !== 'a') }))).toBeUndefined();
    expect(outputAcceptor(z.object({ s: z.string().max(3) }))).toBeUndefined();
    expect(outputAcceptor(z.object({ s: z.string() }).strict())).toBeUndefined();
    expect(outputAcceptor(z.object({ s: z.string() }).catchall(z.string()))).toBeUndefined();
    expect(outputAcceptor(z.object({ s: z.string().default('x') }))).toBeUndefined();
    expect(outputAcceptor(z.object({ a: z.array(z.string()).min(1) }))).toBeUndefined();
  });
});
