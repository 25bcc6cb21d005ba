/**
 * Which tools an account gets, resolved once per account schema rather than per request: the
 * integration's capabilities (the definition as resolved for the account's environment) and the
 * tool entries they select. Keyed by the account's schema identity — integration, environment
 * and its unified_model_override (custom fields will be part of the schemas) — never by the
 * integration alone. One cache per serving process (the HTTP endpoint, a stdio connection);
 * bounded, oldest key first out.
 */
import type { LinkedAccount } from '../accounts/model.js';
import { boundedMemo } from '../core/bounded-memo.js';
import type { Capability, Engine } from '../engine/types.js';
import { TOOLS, type ToolEntry } from './tools/index.js';

export interface ToolSet {
  capabilities: readonly Capability[];
  offered: readonly ToolEntry[];
}

export interface ToolSetCache {
  get(account: LinkedAccount): Promise<ToolSet>;
}

/** An account's schema identity: everything that decides its tools and their schemas. */
export function schemaKey(account: LinkedAccount): string {
  return JSON.stringify([account.integration, account.environment, account.unified_model_override ?? null]);
}

export async function resolveToolSet(engine: Engine, account: LinkedAccount): Promise<ToolSet> {
  const capabilities = await engine.capabilities(account);
  const supported = new Set(capabilities.map((c) => `${c.resource}.${c.method}`));
  return { capabilities, offered: TOOLS.filter((t) => supported.has(`${t.resource}.${t.method}`)) };
}

export function createToolSetCache(engine: Engine, maxKeys = 1000): ToolSetCache {
  const memo = boundedMemo<ToolSet>(maxKeys);
  return { get: (account) => memo(schemaKey(account), () => resolveToolSet(engine, account)) };
}
