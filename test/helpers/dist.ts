/**
 * Where spawned tests find the product: the JavaScript that the global setup (build-dist.ts) built
 * into dist/, run with plain `node`.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = new URL('../..', import.meta.url).pathname;

/** `node <DIST_CLI> <command> …` runs the CLI exactly as the published package does. */
export const DIST_CLI = join(ROOT, 'dist/cli/main.js');

/** The built counterpart of a module under src/: `distModule('app/config')` → …/dist/app/config.js. */
export const distModule = (srcPath: string): string => join(ROOT, 'dist', `${srcPath}.js`);

/** `node dist/cli/main.js …args`, for spawn(process.execPath, cliArgs(…)). */
export function cliArgs(...args: string[]): string[] {
  return [DIST_CLI, ...args];
}

/**
 * Writes a crm-mcp config file (src/app/config.ts keys) into a fresh temp directory and returns its
 * path: spawned and in-process tests point crm-mcp at the fakes the way an operator points it anywhere.
 */
export function writeConfigFile(config: Record<string, unknown>): string {
  const path = join(mkdtempSync(join(tmpdir(), 'crm-mcp-config-')), 'config.json');
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}

/** Environment overrides (environment → integration → partial definition) as the config file holds them. */
export function configEnvironments(overrides: Record<string, Record<string, unknown>>): Record<string, { overrides: Record<string, unknown> }> {
  return Object.fromEntries(Object.entries(overrides).map(([env, o]) => [env, { overrides: o }]));
}
