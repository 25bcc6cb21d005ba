/**
 * integrations/schema.json is generated from the zod schema (never edited by hand) so
 * editors validate definition files. `npm run schema` (scripts/write-schema.ts) rewrites it;
 * test/integrations/schema-json.test.ts (part of `npm test`, so CI) fails when it is stale.
 */
import { z } from 'zod';
import { DefinitionSchema } from './schema.js';

export function definitionJsonSchemaText(): string {
  const schema = z.toJSONSchema(DefinitionSchema, { io: 'input', unrepresentable: 'any' });
  return `${JSON.stringify({ ...schema, title: 'crm-mcp integration definition' }, null, 2)}\n`;
}
