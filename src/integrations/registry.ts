/**
 * The set of loaded integration definitions, by name. Built once by the composition root
 * (CLI, demo, tests) from one or more directories; no module-level instance.
 */
import { CrmMcpError } from '../core/errors.js';
import { createExpressionCompiler, type ExpressionCompiler } from './expressions.js';
import { DEFAULT_INTEGRATIONS_DIR, loadDefinitionDirs } from './loader.js';
import type { Definition } from './schema.js';

export interface IntegrationRegistry {
  /** Throws CrmMcpError('integration_unknown'). */
  get(name: string): Definition;
  has(name: string): boolean;
  list(): Definition[];
}

export function createRegistry(defs: readonly Definition[]): IntegrationRegistry {
  const byName = new Map(defs.map((d) => [d.name, d] as const));
  return {
    get(name) {
      const d = byName.get(name);
      if (!d) throw new CrmMcpError('integration_unknown', `unknown integration "${name}"`, { details: { integration: name } });
      return d;
    },
    has: (name) => byName.has(name),
    list: () => [...byName.values()],
  };
}

export interface LoadRegistryOptions {
  /** Directories to load; default [the repo's integrations/]. */
  dirs?: readonly string[];
  /** Extra directories appended to `dirs` (tests add test/fixtures/integrations). */
  extraDirs?: readonly string[];
  compiler?: ExpressionCompiler;
}

export function loadRegistry(opts: LoadRegistryOptions = {}): IntegrationRegistry {
  const dirs = [...(opts.dirs ?? [DEFAULT_INTEGRATIONS_DIR]), ...(opts.extraDirs ?? [])];
  return createRegistry(loadDefinitionDirs(dirs, opts.compiler ?? createExpressionCompiler()));
}
