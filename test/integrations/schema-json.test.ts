import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_INTEGRATIONS_DIR, definitionJsonSchemaText } from '../../src/integrations/index.js';

describe('integrations/schema.json', () => {
  it('is generated from the zod schema and up to date', () => {
    const path = join(DEFAULT_INTEGRATIONS_DIR, 'schema.json');
    const fresh = definitionJsonSchemaText();
    if (process.env.UPDATE_SCHEMA === '1') writeFileSync(path, fresh);
    const onDisk = readFileSync(path, 'utf8');
    expect(onDisk, 'integrations/schema.json is stale: rerun with UPDATE_SCHEMA=1').toBe(fresh);
    const parsed = JSON.parse(onDisk) as { properties: Record<string, unknown> };
    expect(Object.keys(parsed.properties)).toEqual(expect.arrayContaining(['name', 'auth', 'base_url', 'allowed_hosts', 'resources']));
  });
});
