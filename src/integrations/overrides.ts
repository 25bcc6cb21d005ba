/**
 * Three override levels, deep-merged in order: platform definition → environment override →
 * account (`integration_override` over the whole definition, `unified_model_override` over
 * `resources`). Objects merge key by key, arrays and scalars replace, the later level wins.
 * Account overrides may not touch auth, alternate_auth, base_url, allowed_hosts or name: those
 * decide where a token is sent, so only the platform and the environment control them.
 * Results are validated like a definition and cached by a hash of the overrides. Expressions an
 * override introduces are not trusted: they run isolated (expressions.ts), and before an override
 * is stored they are evaluated once against a sample record (override-check.ts).
 */
import { createHash } from 'node:crypto';
import type { LinkedAccount } from '../accounts/model.js';
import { CrmMcpError, isCrmMcpError } from '../core/errors.js';
import { createExpressionCompiler, type ExpressionCompiler } from './expressions.js';
import { parseDefinition } from './loader.js';
import type { Definition } from './schema.js';

export type Json = Record<string, unknown>;

export interface AccountOverride {
  integration_override?: Json;
  unified_model_override?: Json;
}

const ACCOUNT_FORBIDDEN = ['auth', 'alternate_auth', 'base_url', 'allowed_hosts', 'name', '$schema'] as const;

function isPlainObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function deepMerge(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (!isPlainObject(base) || !isPlainObject(over)) return over;
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (k === '__proto__' || k === 'constructor' || k === 'prototype') continue;
    out[k] = deepMerge(base[k], v);
  }
  return out;
}

export function mergeAll(def: Definition, env: Json | undefined, account: AccountOverride): unknown {
  for (const k of ACCOUNT_FORBIDDEN) {
    if (account.integration_override && k in account.integration_override) {
      throw new CrmMcpError('override_invalid', `integration_override.${k}: may not be overridden per account`, { details: { field: `integration_override.${k}` } });
    }
  }
  let merged = deepMerge(def, env);
  merged = deepMerge(merged, account.integration_override);
  if (account.unified_model_override) {
    merged = deepMerge(merged, { resources: account.unified_model_override });
  }
  return merged;
}

/**
 * Checks an override before it is stored: merged result valid against the schema and every
 * JSONata expression compiles. Throws CrmMcpError('override_invalid') naming the field.
 */
export function validateOverride(def: Definition, override: AccountOverride, compiler: ExpressionCompiler = createExpressionCompiler()): Definition {
  try {
    return parseDefinition(mergeAll(def, undefined, override), `override of ${def.name}`, compiler);
  } catch (e) {
    if (isCrmMcpError(e, 'definition_invalid')) throw new CrmMcpError('override_invalid', e.message, { cause: e, details: e.details });
    throw e;
  }
}

export interface DefinitionResolver {
  resolve(def: Definition, envOverride: Json | undefined, account: Pick<LinkedAccount, 'integration_override' | 'unified_model_override'>): Definition;
}

function hashOf(v: unknown): string {
  return createHash('sha256').update(JSON.stringify(v ?? null)).digest('base64url');
}

/** A resolver with its own cache (keyed by definition name + override hash). */
export function createDefinitionResolver(compiler: ExpressionCompiler = createExpressionCompiler(), maxEntries = 1000): DefinitionResolver {
  const cache = new Map<string, { def: Definition; result: Definition }>();
  // Each override's hash once per override object: overrides are values read from the config or
  // decoded from the store, never changed in place (a change is a new object).
  const hashes = new WeakMap<object, string>();
  const partHash = (v: unknown): string => {
    if (v === undefined) return '-';
    if (typeof v !== 'object' || v === null) return hashOf(v);
    let h = hashes.get(v);
    if (h === undefined) hashes.set(v, (h = hashOf(v)));
    return h;
  };
  return {
    resolve(def, envOverride, account) {
      const acct: AccountOverride = { integration_override: account.integration_override, unified_model_override: account.unified_model_override };
      if (!envOverride && !acct.integration_override && !acct.unified_model_override) return def;
      const key = `${def.name}:${partHash(envOverride)}:${partHash(acct.integration_override)}:${partHash(acct.unified_model_override)}`;
      const hit = cache.get(key);
      if (hit && hit.def === def) return hit.result;
      let result: Definition;
      try {
        result = parseDefinition(mergeAll(def, envOverride, acct), `override of ${def.name}`, compiler);
      } catch (e) {
        if (isCrmMcpError(e, 'definition_invalid')) throw new CrmMcpError('override_invalid', e.message, { cause: e, details: e.details });
        throw e;
      }
      if (cache.size >= maxEntries) cache.delete(cache.keys().next().value as string);
      cache.set(key, { def, result });
      return result;
    },
  };
}

/** Convenience: one-off resolution (uncached). */
export function resolveDefinition(def: Definition, envOverride: Json | undefined, account: AccountOverride): Definition {
  return createDefinitionResolver().resolve(def, envOverride, account);
}
