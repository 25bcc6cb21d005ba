/**
 * `crm-mcp integrations validate <file>`: everything the loader checks (schema, every expression
 * and function compiles, regexes run on RE2), plus what an integrator wants to know before
 * shipping a definition:
 *   - errors: a unified field a tool advertises that a resource's mapping neither maps nor sets
 *     to null explicitly (the tool would silently never return it);
 *   - warnings: `vars` and `functions` nothing reads; a mapping that is not an object
 *     constructor (its fields cannot be checked statically).
 * Every finding names the file and the JSON path.
 */
import { readFileSync } from 'node:fs';
import { jsonata } from './jsonata.js';
import { isCrmMcpError } from '../core/errors.js';
import { RECORD_SCHEMAS, UNIFIED_RESOURCES } from '../unified/models.js';
import { createExpressionCompiler, expressionFields } from './expressions.js';
import { parseDefinition } from './loader.js';
import type { Definition } from './schema.js';

export interface Finding {
  file: string;
  path: string;
  message: string;
}

export interface ValidationReport {
  file: string;
  /** The integration name, when the file parsed far enough to have one. */
  name?: string;
  errors: Finding[];
  warnings: Finding[];
}

/** Filled by the engine, never by a mapping. */
/** Filled by the engine, not by a mapping: custom_fields (overrides), remote_data, deal_ids (`includes`). */
const ENGINE_FIELDS = new Set(['custom_fields', 'remote_data', 'deal_ids']);

interface Node {
  type?: string;
  value?: unknown;
  lhs?: unknown;
  expressions?: Node[];
  [k: string]: unknown;
}

/** Keys of the object a mapping builds: a top-level `{...}`, or the last expression of a block. */
function mappedKeys(mapping: string): Set<string> | undefined {
  let node = jsonata(mapping).ast() as Node;
  while (node.type === 'block' && node.expressions?.length) node = node.expressions.at(-1)!;
  if (node.type !== 'unary' || node.value !== '{' || !Array.isArray(node.lhs)) return undefined;
  const keys = new Set<string>();
  for (const [k] of node.lhs as Array<[Node, Node]>) if (k?.type === 'string' && typeof k.value === 'string') keys.add(k.value);
  return keys;
}

/** Names `$x` reads and `vars.x` paths / `{{vars.x}}` templates use, across the whole definition. */
function usage(def: Definition): { variables: Set<string>; vars: Set<string> } {
  const variables = new Set<string>();
  const vars = new Set<string>();
  const walk = (n: unknown, afterVars: boolean): void => {
    if (!n || typeof n !== 'object' || n instanceof RegExp) return;
    if (Array.isArray(n)) return n.forEach((x) => walk(x, false));
    const node = n as Node & { steps?: Node[] };
    if (node.type === 'variable' && typeof node.value === 'string') variables.add(node.value);
    if (node.type === 'path' && Array.isArray(node.steps)) {
      const [first, second] = node.steps;
      if (first?.type === 'variable' && first.value === 'vars' && second?.type === 'name' && typeof second.value === 'string') vars.add(second.value);
    }
    for (const [k, v] of Object.entries(node)) if (k !== 'value') walk(v, afterVars);
  };
  const texts = [...expressionFields(def).map((f) => f.expr), ...Object.values(def.functions)];
  for (const t of texts) walk(jsonata(t).ast(), false);
  const templates = [def.base_url, ...UNIFIED_RESOURCES.flatMap((r) => ['list', 'get', 'create', 'update', 'search'].map((m) => def.resources[r]?.[m as 'list']?.path ?? ''))];
  for (const t of templates) for (const m of t.matchAll(/\{\{\s*vars\.([A-Za-z0-9_]+)/g)) vars.add(m[1]!);
  return { variables, vars };
}

function validateDefinition(raw: unknown, file: string): ValidationReport {
  const report: ValidationReport = { file, errors: [], warnings: [] };
  let def: Definition;
  try {
    def = parseDefinition(raw, file, createExpressionCompiler());
  } catch (e) {
    if (!isCrmMcpError(e, 'definition_invalid')) throw e;
    const field = typeof e.details.field === 'string' ? e.details.field : '';
    report.errors.push({ file, path: field || '(root)', message: e.message.replace(`${file}: `, '').replace(`${field}: `, '') });
    return report;
  }
  report.name = def.name;
  for (const r of UNIFIED_RESOURCES) {
    const res = def.resources[r];
    if (!res) continue;
    const keys = mappedKeys(res.mapping);
    const path = `resources.${r}.mapping`;
    if (!keys) {
      report.warnings.push({ file, path, message: 'not an object constructor: which unified fields it sets cannot be checked' });
      continue;
    }
    for (const field of Object.keys(RECORD_SCHEMAS[r].shape)) {
      if (ENGINE_FIELDS.has(field) || keys.has(field)) continue;
      report.errors.push({ file, path, message: `unified field "${field}" is neither mapped nor set to null (write '${field}': null if ${def.display_name} has none)` });
    }
    for (const k of keys) if (!(k in RECORD_SCHEMAS[r].shape)) report.errors.push({ file, path, message: `"${k}" is not a field of the unified ${r} record` });
  }
  const used = usage(def);
  for (const name of Object.keys(def.vars)) if (!used.vars.has(name)) report.warnings.push({ file, path: `vars.${name}`, message: 'never read (no $vars.' + name + ' or {{vars.' + name + '}})' });
  for (const name of Object.keys(def.functions)) if (!used.variables.has(name)) report.warnings.push({ file, path: `functions.${name}`, message: `never called (no $${name}(...))` });
  return report;
}

export function validateDefinitionFile(file: string): ValidationReport {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    return { file, errors: [{ file, path: '(root)', message: `not valid JSON: ${(e as Error).message}` }], warnings: [] };
  }
  return validateDefinition(raw, file);
}
