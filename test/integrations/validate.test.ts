/**
 * `crm-mcp integrations validate <file>` (src/integrations/validate.ts through the CLI): what the
 * loader refuses, plus unmapped unified fields (errors) and unused vars/functions (warnings), each
 * with the file and the JSON path; exit 0 valid, 1 invalid, 3 no such file.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { DEFAULT_INTEGRATIONS_DIR } from '../../src/integrations/index.js';
import { captureIo } from '../cli/helpers/operator-runtime.js';

const FIX = new URL('../fixtures/integrations/', import.meta.url).pathname;
const write = (def: unknown) => {
  const file = join(mkdtempSync(join(tmpdir(), 'validate-')), 'def.json');
  writeFileSync(file, typeof def === 'string' ? def : JSON.stringify(def));
  return file;
};
const validate = async (file: string, json = false) => {
  const io = captureIo();
  const code = await runCli(['integrations', 'validate', file, ...(json ? ['--json'] : [])], io);
  return { code, out: io.stdoutText(), err: io.stderrText() };
};

describe('crm-mcp integrations validate', () => {
  it('the shipped definitions are valid with no warnings', async () => {
    for (const f of ['hubspot.json', 'salesforce.json']) {
      const r = await validate(join(DEFAULT_INTEGRATIONS_DIR, f), true);
      expect(r.code, r.out).toBe(0);
      expect(JSON.parse(r.out)).toMatchObject({ ok: true, errors: [], warnings: [] });
    }
  });

  it('unmapped unified fields are errors; unused vars and functions are warnings; every finding names the file and path', async () => {
    const base = JSON.parse(readFileSync(join(FIX, 'tinycrm.json'), 'utf8')) as Record<string, unknown>;
    const file = write({ ...base, vars: { region: 'eu' }, functions: { unused: 'function($x) { $x }' } });
    const r = await validate(file);
    expect(r.code).toBe(1);
    const lines = r.out.trim().split('\n');
    expect(lines).toContain(`error: ${file}: resources.contacts.mapping: unified field "phones" is neither mapped nor set to null (write 'phones': null if TinyCRM (test only) has none)`);
    expect(lines).toContain(`warning: ${file}: vars.region: never read (no $vars.region or {{vars.region}})`);
    expect(lines).toContain(`warning: ${file}: functions.unused: never called (no $unused(...))`);
    expect(lines.at(-1)).toMatch(/: \d+ error\(s\)$/);
  });

  it('what the loader refuses is reported the same way: JSON, schema, JSONata', async () => {
    expect((await validate(write('{ nope'))).out).toMatch(/error: .*def\.json: \(root\): not valid JSON/);
    const schema = await validate(join(FIX, 'broken-schema/bad-method.json'), true);
    expect(JSON.parse(schema.out)).toMatchObject({ ok: false, errors: [{ path: 'resources.contacts.list.method' }] });
    const syntax = await validate(join(FIX, 'broken-jsonata/bad-mapping.json'), true);
    expect(JSON.parse(syntax.out)).toMatchObject({ ok: false, errors: [{ path: 'resources.deals.mapping', message: expect.stringMatching(/^JSONata syntax error/) }] });
  });

  it('a missing file exits 3', async () => {
    const r = await validate('/no/such/definition.json');
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/no such file: \/no\/such\/definition\.json/);
  });
});
