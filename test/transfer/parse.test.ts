import { describe, expect, it } from 'vitest';
import { parseImportText } from '../../src/transfer/parse.js';

describe('parseImportText', () => {
  it('numbers NDJSON records by their line and keeps going after a broken one', () => {
    const text = ['{"a":1}', '', '{"a":2', '{"a":3}'].join('\n');
    const items = parseImportText(text);
    expect(items.map((i) => [i.line, i.ok])).toEqual([
      [1, true],
      [3, false],
      [4, true],
    ]);
  });

  it('numbers JSON array elements by the line they start on, strings with brackets included', () => {
    const text = '[\n  {"a": "x,]}"},\n  {"b":\n    [1,2]},\n  {"c": oops},\n  {"d": 4}\n]\n';
    const items = parseImportText(text);
    expect(items.map((i) => i.line)).toEqual([2, 3, 5, 6]);
    expect(items.map((i) => i.ok)).toEqual([true, true, false, true]);
    expect(items[0]).toMatchObject({ value: { a: 'x,]}' } });
  });

  it('reports a truncated array instead of silently dropping its tail', () => {
    const items = parseImportText('[{"a":1},\n{"b":2},\n{"c":');
    expect(items.some((i) => !i.ok && /not closed/.test(i.error))).toBe(true);
    expect(items.filter((i) => i.ok)).toHaveLength(2);
  });

  it('returns nothing for an empty file', () => {
    expect(parseImportText('  \n')).toEqual([]);
  });
});
