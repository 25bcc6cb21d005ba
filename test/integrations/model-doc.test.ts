import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { modelMarkdown } from '../../scripts/model-doc.js';
import { DEFAULT_INTEGRATIONS_DIR } from '../../src/integrations/index.js';
import { RECORD_SCHEMAS, UNIFIED_RESOURCES } from '../../src/unified/models.js';
import { TOOLS } from '../../src/mcp/tools/index.js';
import { ROOT } from '../helpers/dist.js';

const MODEL = join(DEFAULT_INTEGRATIONS_DIR, 'MODEL.md');

describe('integrations/MODEL.md', () => {
  it('is exactly what the zod models generate (regenerate: npm run model)', () => {
    expect(readFileSync(MODEL, 'utf8'), 'integrations/MODEL.md is stale: run npm run model').toBe(modelMarkdown());
  });

  it('documents every resource, every field and every tool', () => {
    const text = readFileSync(MODEL, 'utf8');
    for (const r of UNIFIED_RESOURCES) {
      expect(text).toContain(`## ${r}`);
      for (const f of Object.keys(RECORD_SCHEMAS[r].shape)) expect(text).toContain(`| \`${f}\` |`);
    }
    for (const t of TOOLS) expect(text).toContain(`\`${t.name}\``);
    expect(text).toMatch(/\| `close_date` \| string \| no \| yes \| `create_deal`, `update_deal` \(YYYY-MM-DD\) \|/);
  });

  it('the regeneration script: --check reports a stale file with exit 1; a plain run rewrites it', () => {
    const run = (args: string[]) => {
      try {
        return { code: 0, out: execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/write-model.ts'), ...args], { encoding: 'utf8', cwd: ROOT }) };
      } catch (e) {
        return { code: (e as { status: number }).status, out: String((e as { stdout: unknown }).stdout) };
      }
    };
    const tmp = join(mkdtempSync(join(tmpdir(), 'model-')), 'MODEL.md');
    writeFileSync(tmp, 'stale\n');
    expect(run(['--check', '--file', tmp])).toMatchObject({ code: 1, out: expect.stringContaining('is stale') });
    expect(run(['--file', tmp])).toMatchObject({ code: 0, out: expect.stringContaining('wrote') });
    expect(readFileSync(tmp, 'utf8')).toBe(modelMarkdown());
  });
});
