/**
 * Regenerates integrations/schema.json from the zod schema (the only way it should change). A
 * development script, not shipped:
 *   npm run schema                     rewrite the file
 *   npm run schema -- --check          exit 1 when the file is stale
 *   --file <path> checks or writes another file instead (tests use a temporary copy).
 * CI's `npm test` runs the same comparison in test/integrations/schema-json.test.ts.
 */
import { join } from 'node:path';
import { writeGenerated } from './generated-file.js';
import { definitionJsonSchemaText } from '../src/integrations/json-schema.js';
import { DEFAULT_INTEGRATIONS_DIR } from '../src/integrations/loader.js';

writeGenerated(join(DEFAULT_INTEGRATIONS_DIR, 'schema.json'), definitionJsonSchemaText(), 'npm run schema');
