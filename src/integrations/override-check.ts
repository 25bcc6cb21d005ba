/**
 * Checks an override before it is used or stored: the merged definition must validate (schema,
 * JSONata syntax, RE2-compatible regexes), and every expression the override introduces is
 * evaluated once, isolated, against a sample record — an expression that breaks a bound there
 * (`$pad(properties.firstname, 200000000)`) is refused with its field path. A sample cannot show
 * every data-dependent failure; those are contained at run time by the same bounds and isolation.
 *   - account overrides: when imported or saved (`overrideProblem`);
 *   - environment overrides: when the configuration is loaded (`environmentOverridesProblem`).
 */
import { jsonata } from './jsonata.js';
import type { LinkedAccount } from '../accounts/model.js';
import { isCrmMcpError } from '../core/errors.js';
import { UNIFIED_RESOURCES } from '../unified/models.js';
import { createExpressionCompiler, expressionFields, type ExpressionCompiler } from './expressions.js';
import { parseDefinition } from './loader.js';
import { mergeAll, validateOverride, type AccountOverride, type Json } from './overrides.js';
import type { IntegrationRegistry } from './registry.js';
import type { Definition } from './schema.js';

const SAMPLE = 'Sample value 42';

interface Node {
  type?: string;
  value?: unknown;
  steps?: Node[];
  [k: string]: unknown;
}

/** A record holding a sample string at every field path the expression reads from its input. */
function sampleInput(expr: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  const put = (names: string[]) => {
    let cur = root;
    names.forEach((n, i) => {
      if (i === names.length - 1) {
        if (!(n in cur)) cur[n] = SAMPLE;
        return;
      }
      const next = cur[n];
      cur = (next && typeof next === 'object' ? next : (cur[n] = {})) as Record<string, unknown>;
    });
  };
  const walk = (n: unknown): void => {
    if (!n || typeof n !== 'object' || n instanceof RegExp) return;
    if (Array.isArray(n)) return n.forEach(walk);
    const node = n as Node;
    if (node.type === 'path' && Array.isArray(node.steps)) {
      const names: string[] = [];
      for (const s of node.steps) {
        if (s.type !== 'name' || typeof s.value !== 'string') break;
        names.push(s.value);
      }
      if (names.length > 0) put(names);
    }
    for (const [k, v] of Object.entries(node)) if (k !== 'value') walk(v);
  };
  try {
    walk(jsonata(expr).ast());
  } catch {
    // Syntax errors are reported by validation before this runs.
  }
  return root;
}

/** The first expression of `merged` that `base` does not have and that breaks a bound on a sample record. */
async function boundsProblem(merged: Definition, compiler: ExpressionCompiler): Promise<string | undefined> {
  for (const { path, expr } of expressionFields(merged)) {
    if (compiler.trusted(expr, merged.functions)) continue;
    const resource = UNIFIED_RESOURCES.find((r) => path.startsWith(`resources.${r}.`));
    const bindings = {
      input: {}, id: '1', limit: 10, page: undefined, nowMs: 0, nowIso: '1970-01-01T00:00:00.000Z',
      fields: resource ? (merged.resources[resource]?.fields ?? []) : [], vars: merged.vars, context: {}, status: 400, headers: {},
    };
    try {
      await compiler.evaluate(expr, sampleInput(expr), bindings, path, merged.functions);
    } catch (e) {
      if (isCrmMcpError(e, 'mapping_bound')) return e.message;
    }
  }
  return undefined;
}

/**
 * For save paths (import, an override command): why an account's overrides would be rejected —
 * the field path and the schema, JSONata or bound error — or undefined when they pass (also when
 * the account has none or its integration is unknown: that is checked elsewhere).
 */
export async function overrideProblem(
  registry: Pick<IntegrationRegistry, 'has' | 'get'>,
  account: Pick<LinkedAccount, 'integration'> & AccountOverride,
  compiler: ExpressionCompiler = createExpressionCompiler(),
): Promise<string | undefined> {
  if (!account.integration_override && !account.unified_model_override) return undefined;
  if (!registry.has(account.integration)) return undefined;
  const base = registry.get(account.integration);
  compiler.trust(base);
  let merged: Definition;
  try {
    merged = validateOverride(base, { integration_override: account.integration_override, unified_model_override: account.unified_model_override }, compiler);
  } catch (e) {
    if (isCrmMcpError(e, 'override_invalid')) return e.message;
    throw e;
  }
  return boundsProblem(merged, compiler);
}

/**
 * Environment overrides (config `environments.<env>.overrides.<integration>`), checked when the
 * configuration is loaded: the problem as `<path>: <reason>` with the path from `environments`,
 * or undefined when every one validates.
 */
export async function environmentOverridesProblem(
  registry: Pick<IntegrationRegistry, 'has' | 'get' | 'list'>,
  environments: Record<string, Record<string, Json>>,
  compiler: ExpressionCompiler = createExpressionCompiler(),
): Promise<string | undefined> {
  for (const [env, byIntegration] of Object.entries(environments)) {
    for (const [name, override] of Object.entries(byIntegration)) {
      const at = `environments.${env}.overrides.${name}`;
      if (!registry.has(name)) return `${at}: unknown integration "${name}" (known: ${registry.list().map((d) => d.name).join(', ')})`;
      const base = registry.get(name);
      compiler.trust(base);
      let merged: Definition;
      try {
        merged = parseDefinition(mergeAll(base, override, {}), at, compiler);
      } catch (e) {
        if (!isCrmMcpError(e, 'definition_invalid')) throw e;
        return `${at}.${e.message.slice(`${at}: `.length)}`;
      }
      const bound = await boundsProblem(merged, compiler);
      if (bound) return `${at}.${bound}`;
    }
  }
  return undefined;
}
