/**
 * What the MCP Inspector (v2 CLI, `--method tools/list`) reports as schema-portability findings,
 * re-stated here so a test can hold the server to zero: a bare boolean where a schema object is
 * expected (error), `type` given as an array, a `$ref` outside the document, and a schema with no
 * validation keyword at all (an object-spelled `true`). Plus the rules OpenAI function tools add:
 * the name pattern, and no keyword outside the subset strict mode compiles.
 */
type Node = Record<string, unknown>;
export interface Finding {
  tool: string;
  schema: 'inputSchema' | 'outputSchema';
  path: string;
  rule: 'boolean-schema' | 'type-union' | 'remote-ref' | 'untyped-schema' | 'openai-keyword' | 'openai-open-object';
}

const BOOLEAN_OK = new Set(['additionalProperties', 'unevaluatedProperties', 'additionalItems', 'unevaluatedItems']);
const SINGLE = ['items', 'contains', 'not', 'propertyNames', 'if', 'then', 'else', 'additionalProperties', 'unevaluatedProperties', 'additionalItems', 'unevaluatedItems', 'contentSchema'];
const ARRAYS = ['allOf', 'anyOf', 'oneOf', 'prefixItems'];
const MAPS = ['properties', 'patternProperties', 'dependentSchemas', 'dependencies', '$defs', 'definitions'];
const CONSTRAINING = new Set([
  'type', 'enum', 'const', 'multipleOf', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum', 'maxLength', 'minLength', 'pattern', 'format',
  'contentMediaType', 'contentEncoding', 'contentSchema', 'maxItems', 'minItems', 'uniqueItems', 'maxContains', 'minContains', 'maxProperties', 'minProperties',
  'required', 'dependentRequired', 'allOf', 'anyOf', 'oneOf', 'not', 'items', 'prefixItems', 'contains', 'additionalItems', 'unevaluatedItems', 'properties',
  'patternProperties', 'additionalProperties', 'unevaluatedProperties', 'propertyNames', 'dependentSchemas', 'dependencies', '$ref', '$dynamicRef', '$recursiveRef',
]);
/** Keywords OpenAI's strict function schemas do not accept (structured-outputs "supported schemas"). */
const OPENAI_UNSUPPORTED = new Set(['allOf', 'oneOf', 'not', 'if', 'then', 'else', 'patternProperties', 'propertyNames', 'dependentSchemas', 'dependencies', 'unevaluatedProperties', 'contains', 'prefixItems']);

export const OPENAI_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);
const child = (p: string, k: string) => (p ? `${p}.${k}` : k);

function children(n: Node, path: string, visit: (v: unknown, p: string, keyword: string) => void): void {
  for (const k of MAPS) if (isNode(n[k])) for (const [name, sub] of Object.entries(n[k] as Node)) visit(sub, child(child(path, k), name), k);
  for (const k of ARRAYS) if (Array.isArray(n[k])) (n[k] as unknown[]).forEach((sub, i) => visit(sub, `${child(path, k)}[${i}]`, k));
  for (const k of SINGLE) if (k in n) visit(n[k], child(path, k), k);
}

/** Findings for one schema; with `openai`, also what OpenAI strict function schemas refuse. */
export function lintSchema(tool: string, schema: 'inputSchema' | 'outputSchema', root: unknown, opts: { openai?: boolean } = {}): Finding[] {
  const out: Finding[] = [];
  const walk = (node: unknown, path: string, keyword: string | undefined, depth: number) => {
    if (depth > 64) return;
    if (typeof node === 'boolean') {
      if (keyword === undefined || !BOOLEAN_OK.has(keyword)) out.push({ tool, schema, path, rule: 'boolean-schema' });
      return;
    }
    if (!isNode(node)) return;
    if (Array.isArray(node.type)) out.push({ tool, schema, path, rule: 'type-union' });
    if (typeof node.$ref === 'string' && node.$ref !== '' && !node.$ref.startsWith('#')) out.push({ tool, schema, path, rule: 'remote-ref' });
    const constrains = Object.keys(node).some((k) => CONSTRAINING.has(k)) || ('if' in node && ('then' in node || 'else' in node));
    if (!constrains && keyword !== 'not') out.push({ tool, schema, path, rule: 'untyped-schema' });
    if (opts.openai) {
      for (const k of Object.keys(node)) if (OPENAI_UNSUPPORTED.has(k)) out.push({ tool, schema, path: child(path, k), rule: 'openai-keyword' });
      if (node.type === 'object' && node.additionalProperties !== false) out.push({ tool, schema, path, rule: 'openai-open-object' });
    }
    children(node, path, (v, p, k) => walk(v, p, k, depth + 1));
  };
  walk(root, '', undefined, 0);
  return out;
}

export function lintTools(tools: Array<{ name: string; inputSchema?: unknown; outputSchema?: unknown }>, opts: { openai?: boolean } = {}): Finding[] {
  return tools.flatMap((t) => [
    ...(t.inputSchema !== undefined ? lintSchema(t.name, 'inputSchema', t.inputSchema, opts) : []),
    // OpenAI reads only the parameters; the output schema is for MCP clients.
    ...(t.outputSchema !== undefined ? lintSchema(t.name, 'outputSchema', t.outputSchema) : []),
  ]);
}
