/**
 * integrations/schema.json is generated from the zod schema (never edited by hand) so
 * editors validate definition files. test/integrations/schema-json.test.ts fails when the
 * checked-in file is stale; `UPDATE_SCHEMA=1 npx vitest run --config test/vitest.config.ts
 * test/integrations/schema-json.test.ts` rewrites it.
 */
import { z } from 'zod';
import { DefinitionSchema } from './schema.js';

export function definitionJsonSchemaText(): string {
  const schema = z.toJSONSchema(DefinitionSchema, { io: 'input', unrepresentable: 'any' });
  return `${JSON.stringify({ ...schema, title: 'crm-mcp integration definition' }, null, 2)}\n`;
}
