import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_INTEGRATIONS_DIR, definitionJsonSchemaText } from '../../src/integrations/index.js';
import { UNIFIED_METHODS, UNIFIED_RESOURCES } from '../../src/unified/models.js';
import { ROOT } from '../helpers/dist.js';

const SCHEMA = join(DEFAULT_INTEGRATIONS_DIR, 'schema.json');

describe('integrations/schema.json', () => {
  it('is exactly what the zod schema generates (regenerate: npm run schema)', () => {
    expect(readFileSync(SCHEMA, 'utf8'), 'integrations/schema.json is stale: run npm run schema').toBe(definitionJsonSchemaText());
  });

  it('describes the definition format: top-level fields, every unified resource and method', () => {
    const s = JSON.parse(readFileSync(SCHEMA, 'utf8')) as {
      required: string[];
      properties: { resources: { properties: Record<string, { properties: Record<string, unknown> }> } } & Record<string, unknown>;
    };
    expect(s.required).toEqual(expect.arrayContaining(['name', 'display_name', 'auth', 'base_url', 'allowed_hosts', 'resources']));
    expect(Object.keys(s.properties.resources.properties).sort()).toEqual([...UNIFIED_RESOURCES].sort());
    for (const r of UNIFIED_RESOURCES) expect(Object.keys(s.properties.resources.properties[r]?.properties ?? {})).toEqual(expect.arrayContaining([...UNIFIED_METHODS, 'mapping']));
  });

  it('the regeneration script: --check reports a stale file with exit 1 and leaves it; a plain run rewrites it to the generated text', () => {
    const run = (args: string[]) => {
      try {
        return { code: 0, out: execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/write-schema.ts'), ...args], { encoding: 'utf8', cwd: join(DEFAULT_INTEGRATIONS_DIR, '..') }) };
      } catch (e) {
        return { code: (e as { status: number }).status, out: String((e as { stdout: unknown }).stdout) };
      }
    };
    const tmp = join(mkdtempSync(join(tmpdir(), 'schema-')), 'schema.json');
    writeFileSync(tmp, '{"stale": true}\n');
    expect(run(['--check', '--file', tmp])).toMatchObject({ code: 1, out: expect.stringContaining('is stale') });
    expect(readFileSync(tmp, 'utf8')).toBe('{"stale": true}\n');
    expect(run(['--file', tmp])).toMatchObject({ code: 0, out: expect.stringContaining('wrote') });
    expect(readFileSync(tmp, 'utf8')).toBe(definitionJsonSchemaText());
  });
});
