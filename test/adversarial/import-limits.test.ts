/**
 * Adversarial: import field and record limits. Regression for the report: import had no size
 * limits — a record with a 100 MB `access_token` was accepted (1.19 GB peak). Now a record is at
 * most 1 MiB of JSON, a string in it at most 64 KiB, and it nests at most 32 levels; a record
 * over a limit is that line's error, naming the field, and every other record still imports.
 * `accounts import` in-process over the real openers on a temp data directory.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { IMPORT_LIMITS, parseImportText } from '../../src/transfer/parse.js';
import { captureIo } from '../cli/helpers/operator-runtime.js';

const record = (id: string, token: unknown = `at-${id}`) => ({ id, integration: 'hubspot', tenant_id: 't', authentication_method: 'oauth2', context: { oauth: { token: { access_token: token, refresh_token: `rt-${id}` } } } });
const nested = (depth: number): unknown => (depth === 0 ? 'x' : { n: nested(depth - 1) });

describe('accounts import limits', () => {
  it('a 100 MB access token, an oversized record, deep nesting and a huge field name are refused by line; the valid records import', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crm-limits-'));
    const file = join(dir, 'in.ndjson');
    const lines = [
      JSON.stringify(record('ok-1')),
      JSON.stringify(record('huge-token', 'A'.repeat(100 * 1024 * 1024))),
      JSON.stringify({ ...record('fat'), context: { ...record('fat').context, notes: Array.from({ length: 40 }, () => 'n'.repeat(30_000)) } }),
      JSON.stringify({ ...record('deep'), unified_model_override: nested(40) }),
      JSON.stringify({ ...record('key'), context: { ...record('key').context, ['k'.repeat(70_000)]: 1 } }),
      JSON.stringify(record('ok-2')),
    ];
    writeFileSync(file, lines.join('\n') + '\n');
    const io = captureIo();
    const code = await runCli(['accounts', 'import', file, '--data-dir', join(dir, 'data'), '--json'], io);
    expect(code).toBe(1);
    const out = JSON.parse(io.stdoutText()) as { import: { created: number; invalid: Array<{ line: number; error: string }> } };
    expect(out.import.created).toBe(2);
    expect(out.import.invalid.map((i) => i.line)).toEqual([2, 3, 4, 5]);
    const [token, fat, deep, key] = out.import.invalid.map((i) => i.error);
    expect(token).toMatch(/^record is 104,857,[0-9]{3} characters of JSON; the limit is 1,048,576$/);
    expect(fat).toMatch(/^record is 1,2[0-9,]+ characters of JSON; the limit is 1,048,576$/);
    expect(deep).toBe('unified_model_override.n.n.n.n.n.n.n.n.n.n.n.n.n.n.n.n.n.n.n.n.n.n.n.n.n.n.n.n.n.n.n nests deeper than 32 levels');
    expect(key).toMatch(/^a field name under context is 70,000 characters long; the limit is 65,536$/);
    expect(io.stderrText()).toMatch(/^line 2: record is 104,857,/m);
    // Nothing of an oversized value is echoed back.
    expect(io.stdoutText() + io.stderrText()).not.toContain('AAAAAAAAAA');
    const list = captureIo();
    await runCli(['accounts', 'list', '--data-dir', join(dir, 'data'), '--json'], list);
    expect((JSON.parse(list.stdoutText()).accounts as Array<{ id: string }>).map((a) => a.id).sort()).toEqual(['ok-1', 'ok-2']);
  });

  it('a string field over 64 KiB inside a record under 1 MiB is named by its path, in NDJSON and in a JSON array alike', () => {
    const big = 'B'.repeat(IMPORT_LIMITS.fieldChars + 1);
    const ndjson = parseImportText(JSON.stringify(record('a', big)));
    const array = parseImportText(`[\n${JSON.stringify(record('b'))},\n${JSON.stringify(record('c', big))}\n]`);
    const msg = `context.oauth.token.access_token is 65,537 characters long; the limit is 65,536`;
    expect(ndjson).toEqual([{ line: 1, ok: false, error: msg }]);
    expect(array.map((i) => (i.ok ? 'ok' : i.error))).toEqual(['ok', msg]);
    expect(parseImportText(JSON.stringify(record('d', 'C'.repeat(IMPORT_LIMITS.fieldChars))))[0]?.ok).toBe(true);
  });

  it('nesting far past the limit (100,000 levels of arrays) is one line error, not a stack overflow', () => {
    const items = parseImportText('{"a":' + '['.repeat(100_000) + ']'.repeat(100_000) + '}\n' + JSON.stringify(record('fine')));
    expect(items.map((i) => i.ok)).toEqual([false, true]);
    expect(items[0]).toMatchObject({ line: 1, error: expect.stringMatching(/nests deeper than 32 levels|not valid JSON/) });
  });
});
