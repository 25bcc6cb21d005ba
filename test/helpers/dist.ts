/**
 * Where spawned tests find the product: the JavaScript that the global setup (build-dist.ts) built
 * into dist/, run with plain `node`.
 */
import { join } from 'node:path';

export const ROOT = new URL('../..', import.meta.url).pathname;

/** `node <DIST_CLI> <command> …` runs the CLI exactly as the published package does. */
export const DIST_CLI = join(ROOT, 'dist/cli/main.js');

/** The built counterpart of a module under src/: `distModule('app/config')` → …/dist/app/config.js. */
export const distModule = (srcPath: string): string => join(ROOT, 'dist', `${srcPath}.js`);
