/**
 * The set of loaded integration definitions, by name. Built once by the composition root
 * (CLI, demo, tests) from one or more directories; no module-level instance.
 */
import { CrmMcpError } from '../core/errors.js';
import { createExpressionCompiler, type ExpressionCompiler } from './expressions.js';
import { checkExpressions, DEFAULT_INTEGRATIONS_DIR, loadDefinitionDirs, type ExpressionChecks, type LoadedDefinitions } from './loader.js';
import type { Definition } from './schema.js';

export interface IntegrationRegistry {
  /**
   * Throws CrmMcpError('integration_unknown'); for definitions loaded with `expressions:
   * 'deferred'`, the first get of a name runs its JSONata checks and throws their
   * definition_invalid error (naming the file), on this and every later get.
   */
  get(name: string): Definition;
  has(name: string): boolean;
  /** Every definition, as loaded (deferred JSONata checks are not run). */
  list(): Definition[];
  /** The file a definition was loaded from (undefined for definitions given in code). */
  source(name: string): string | undefined;
  /** Definitions of a later directory that replaced a same-named earlier one (the shipped one, usually). */
  replaced(): LoadedDefinitions['replaced'];
}

export function createRegistry(
  defs: readonly Definition[],
  loaded: Pick<LoadedDefinitions, 'files' | 'replaced'> = { files: {}, replaced: [] },
  deferred?: { compiler: ExpressionCompiler },
): IntegrationRegistry {
  const byName = new Map(defs.map((d) => [d.name, d] as const));
  // Names whose JSONata checks have not run yet, and the failures of those that ran.
  const unchecked = new Set(deferred ? byName.keys() : []);
  const failed = new Map<string, unknown>();
  return {
    get(name) {
      const d = byName.get(name);
      if (!d) throw new CrmMcpError('integration_unknown', `unknown integration "${name}"`, { details: { integration: name } });
      if (deferred && unchecked.delete(name)) {
        try {
          checkExpressions(d, loaded.files[name] ?? name, deferred.compiler);
        } catch (e) {
          failed.set(name, e);
        }
      }
      if (failed.has(name)) throw failed.get(name);
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
  /**
   * 'at-load' (default): every definition's JSONata is checked before this returns. 'deferred':
   * each definition's on its first `get` (stdio serves one integration and checks only that one).
   */
  expressions?: ExpressionChecks;
}

export function loadRegistry(opts: LoadRegistryOptions = {}): IntegrationRegistry {
  const dirs = [...(opts.dirs ?? [DEFAULT_INTEGRATIONS_DIR]), ...(opts.extraDirs ?? [])];
  const compiler = opts.compiler ?? createExpressionCompiler();
  const loaded = loadDefinitionDirs(dirs, compiler, opts.expressions);
  return createRegistry(loaded.definitions, loaded, opts.expressions === 'deferred' ? { compiler } : undefined);
}
