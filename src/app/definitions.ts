/**
 * The definitions an app serves (shipped, then the operator's directories) and the environment
 * overrides of the configuration (`environments.<env>.overrides.<integration>`), checked with one
 * expression compiler, so an override that changes no expression compiles nothing again.
 *
 * When the checks run follows `expressions` (src/integrations/registry.ts):
 *   - 'at-load': every definition and every environment override, before this returns;
 *   - 'deferred' (stdio, which serves one account): only that each override names a known
 *     integration; a definition and the override an account is served with are checked on the
 *     first read of that account (`checkServed`), with the same errors.
 */
import type { Deps } from '../core/deps.js';
import { CrmMcpError } from '../core/errors.js';
import { createExpressionCompiler, environmentOverridesProblem, loadRegistry, type ExpressionChecks, type IntegrationRegistry, type Json } from '../integrations/index.js';
import type { AppConfig } from './config.js';

export interface OpenedDefinitions {
  registry: IntegrationRegistry;
  /**
   * Throws what loading would have thrown for the definition of `integration` and its override
   * in `environment` (definition_invalid, config_invalid); checks each pair once. With 'at-load'
   * checks everything already passed, so it resolves at once.
   */
  checkServed(integration: string, environment: string): Promise<void>;
}

export async function loadDefinitions(config: AppConfig, log?: Deps['logger'], expressions: ExpressionChecks = 'at-load'): Promise<OpenedDefinitions> {
  const compiler = createExpressionCompiler();
  const registry = loadRegistry({ extraDirs: config.integrationsDirs, compiler, expressions });
  for (const r of registry.replaced()) log?.info('integration definition replaced', { integration: r.name, file: r.file, replaces: r.replaces });
  const check = async (environments: Record<string, Record<string, Json>>): Promise<void> => {
    const problem = await environmentOverridesProblem(registry, environments, compiler);
    if (problem) throw new CrmMcpError('config_invalid', `${config.configFile ? `config file ${config.configFile}: ` : ''}${problem}`);
  };
  if (expressions === 'at-load') {
    await check(config.environments);
    return { registry, checkServed: async () => {} };
  }
  // Only the overrides of unknown integrations: their check reads no definition.
  await check(pick(config.environments, (integration) => !registry.has(integration)));
  const checked = new Map<string, Promise<void>>();
  return {
    registry,
    checkServed(integration, environment) {
      const key = `${environment}\u0000${integration}`;
      let done = checked.get(key);
      if (!done) {
        done = (async () => {
          registry.get(integration);
          await check(pick(config.environments, (i, e) => i === integration && e === environment));
        })();
        checked.set(key, done);
      }
      return done;
    },
  };
}

/** The definitions with every environment override checked (`integrations list`). */
export async function openDefinitions(config: AppConfig, log?: Deps['logger']): Promise<IntegrationRegistry> {
  return (await loadDefinitions(config, log)).registry;
}

function pick(environments: Record<string, Record<string, Json>>, keep: (integration: string, environment: string) => boolean): Record<string, Record<string, Json>> {
  const out: Record<string, Record<string, Json>> = {};
  for (const [env, byIntegration] of Object.entries(environments)) {
    const kept = Object.entries(byIntegration).filter(([i]) => keep(i, env));
    if (kept.length > 0) out[env] = Object.fromEntries(kept);
  }
  return out;
}
