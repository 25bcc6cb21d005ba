/**
 * The built CLI, as users run it: spawned tests start `node dist/cli/main.js <command>` (built
 * once per run by the global setup), configured like production — a config file and CRM_MCP_*
 * variables — never through a test-only entry point.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI_MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/** `node dist/cli/main.js …args`, for spawn(process.execPath, cliArgs(…)). */
export function cliArgs(...args: string[]): string[] {
  return [CLI_MAIN, ...args];
}

/** Writes a crm-mcp config file (src/app/config.ts keys) into a fresh temp directory; returns its path. */
export function writeConfigFile(config: Record<string, unknown>): string {
  const path = join(mkdtempSync(join(tmpdir(), 'crm-mcp-config-')), 'config.json');
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}
