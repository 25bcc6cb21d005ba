/**
 * The set of loaded integration definitions, by name. Built once by the composition root
 * (CLI, demo, tests) from one or more directories; no module-level instance.
 */
import { CrmMcpError } from '../core/errors.js';
import { createExpressionCompiler, type ExpressionCompiler } from './expressions.js';
import { DEFAULT_INTEGRATIONS_DIR, loadDefinitionDirs, type LoadedDefinitions } from './loader.js';
import type { Definition } from './schema.js';

export interface IntegrationRegistry {
  /** Throws CrmMcpError('integration_unknown'). */
  get(name: string): Definition;
  has(name: string): boolean;
  list(): Definition[];
  /** The file a definition was loaded from (undefined for definitions given in code). */
  source(name: string): string | undefined;
  /** Definitions of a later directory that replaced a same-named earlier one (the shipped one, usually). */
  replaced(): LoadedDefinitions['replaced'];
}

export function createRegistry(defs: readonly Definition[], loaded: Pick<LoadedDefinitions, 'files' | 'replaced'> = { files: {}, replaced: [] }): IntegrationRegistry {
  const byName = new Map(defs.map((d) => [d.name, d] as const));
  return {
    get(name) {
      const d = byName.get(name);
      if (!d) throw new CrmMcpError('integration_unknown', `unknown integration "${name}"`, { details: { integration: name } });
      return d;
    },
    has: (name) => byName.has(name),
    list: () => [...byName.values()],
    source: (name) => loaded.files[name],
    replaced: () => [...loaded.replaced],
  };
}

export interface LoadRegistryOptions {
  /** Directories to load; default [the repo's integrations/]. */
  dirs?: readonly string[];
  /** Directories loaded after `dirs` (the operator's); a same-named definition replaces the earlier one. */
  extraDirs?: readonly string[];
  compiler?: ExpressionCompiler;
}

export function loadRegistry(opts: LoadRegistryOptions = {}): IntegrationRegistry {
  const dirs = [...(opts.dirs ?? [DEFAULT_INTEGRATIONS_DIR]), ...(opts.extraDirs ?? [])];
  const loaded = loadDefinitionDirs(dirs, opts.compiler ?? createExpressionCompiler());
  return createRegistry(loaded.definitions, loaded);
}
