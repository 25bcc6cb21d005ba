/**
 * Regenerates integrations/MODEL.md from the zod unified models (the only way it should change). A
 * development script, not shipped:
 *   npm run model                      rewrite the file
 *   npm run model -- --check           exit 1 when the file is stale
 *   --file <path> checks or writes another file instead (tests use a temporary copy).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_INTEGRATIONS_DIR } from '../src/integrations/loader.js';
import { modelMarkdown } from './model-doc.js';

const fileArg = process.argv.indexOf('--file');
const path = fileArg > 0 && process.argv[fileArg + 1] ? process.argv[fileArg + 1]! : join(DEFAULT_INTEGRATIONS_DIR, 'MODEL.md');
const fresh = modelMarkdown();
let current = '';
try {
  current = readFileSync(path, 'utf8');
} catch {
  // absent: stale
}
if (process.argv.includes('--check')) {
  process.stdout.write(current === fresh ? `${path} is up to date\n` : `${path} is stale: run npm run model\n`);
  process.exitCode = current === fresh ? 0 : 1;
} else if (current === fresh) {
  process.stdout.write(`${path} already up to date\n`);
} else {
  writeFileSync(path, fresh);
  process.stdout.write(`wrote ${path}\n`);
}
