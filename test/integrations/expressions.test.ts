import { describe, expect, it } from 'vitest';
import { createDefinitionResolver, createExpressionCompiler, expressionFields, loadRegistry } from '../../src/integrations/index.js';

describe('JSONata compilation', () => {
  it('each distinct expression is parsed once per compiler and reused for every evaluation', async () => {
    const c = createExpressionCompiler();
    const first = c.compile('a + b', 't');
    expect(c.compile('a + b', 't')).toBe(first);
    expect(c.compile('a - b', 't')).not.toBe(first);
    await expect(c.evaluate('a + b', { a: 1, b: 2 }, {}, 't')).resolves.toBe(3);
    expect(c.compile('a + b', 't')).toBe(first);
  });

  it('regression: concurrent evaluations are not charged for each other\'s time (the bound is per expression, not shared wall-clock)', async () => {
    // Each evaluation takes a few ms; 200 interleaved ones would each see far more than the
    // 250 ms bound on the wall clock, which is how concurrent tool calls used to time out.
    const c = createExpressionCompiler();
    const expr = '$sum([1..2000].($ * 2))';
    const results = await Promise.allSettled(Array.from({ length: 200 }, () => c.evaluate(expr, {}, {}, 'load')));
    expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
    expect(results.every((r) => r.status === 'fulfilled' && r.value === 4_002_000)).toBe(true);
  });

  it('every expression of the shipped definitions compiles, and the field paths name where each lives', () => {
    const c = createExpressionCompiler();
    for (const def of loadRegistry().list()) {
      const fields = expressionFields(def);
      expect(fields.length).toBeGreaterThan(20);
      expect(fields.map((f) => f.path)).toEqual(expect.arrayContaining(['resources.contacts.mapping', 'resources.contacts.list.query', 'resources.deals.update.body']));
      for (const f of fields) expect(() => c.compile(f.expr, f.path)).not.toThrow();
    }
  });

  it('a resolved override is cached: the same account overrides give the same definition object (no re-validation per call)', () => {
    const sf = loadRegistry().get('salesforce');
    const r = createDefinitionResolver();
    const over = { unified_model_override: { contacts: { custom_fields: { tier: { field: 'Custom_Tier__c', expr: 'Custom_Tier__c' } } } } };
    const a = r.resolve(sf, undefined, over);
    expect(r.resolve(sf, undefined, structuredClone(over))).toBe(a);
    expect(r.resolve(sf, undefined, {})).toBe(sf);
    expect(r.resolve(sf, { vars: { api_version: 'v61.0' } }, over)).not.toBe(a);
  });
});
