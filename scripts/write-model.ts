/**
 * Regenerates integrations/MODEL.md from the zod unified models (the only way it should change). A
 * development script, not shipped:
 *   npm run model                      rewrite the file
 *   npm run model -- --check           exit 1 when the file is stale
 *   --file <path> checks or writes another file instead (tests use a temporary copy).
 */
import { join } from 'node:path';
import { writeGenerated } from './generated-file.js';
import { DEFAULT_INTEGRATIONS_DIR } from '../src/integrations/loader.js';
import { modelMarkdown } from './model-doc.js';

writeGenerated(join(DEFAULT_INTEGRATIONS_DIR, 'MODEL.md'), modelMarkdown(), 'npm run model');
