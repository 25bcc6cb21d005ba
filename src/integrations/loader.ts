/**
 * Loads integration definitions from directories — the package's own `integrations/` first, then
 * the operator's (`--integrations`, CRM_MCP_INTEGRATIONS_DIR, config `integrationsDir`) —
 * validates each against the zod schema, compiles every JSONata expression and function, and
 * checks every regex runs on RE2. Any failure throws CrmMcpError('definition_invalid') naming the
 * file and the field path; nothing half-loaded is returned. With `expressions: 'deferred'` the
 * JSONata checks of a definition are left to `checkExpressions` (the registry runs them on the
 * definition's first use, with the same errors). A definition in a later directory
 * replaces a same-named one from an earlier directory (reported in `replaced`); two files of one
 * directory may not define the same name.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jsonata } from './jsonata.js';
import type { z } from 'zod';
import { CrmMcpError, isCrmMcpError } from '../core/errors.js';
import { compileAll, createExpressionCompiler, type ExpressionCompiler } from './expressions.js';
import { regexProblem } from './regex.js';
import { DefinitionSchema, type Definition } from './schema.js';

/** The repo's integrations/ directory (works from src/ under tsx and from dist/). */
export const DEFAULT_INTEGRATIONS_DIR = resolve(fileURLToPath(new URL('../..', import.meta.url)), 'integrations');

/** Variables the engine binds; a definition function may not take their names. */
const ENGINE_BINDINGS = ['input', 'id', 'limit', 'page', 'fields', 'vars', 'context', 'nowIso', 'nowMs', 'status', 'headers'] as const;

const JSONATA_BUILTINS = new Set(
  ('sum count max min average string substring substringBefore substringAfter lowercase uppercase length trim pad match contains replace split join ' +
    'formatNumber formatBase formatInteger parseInteger number floor ceil round abs sqrt power random boolean not map zip filter single reduce sift keys ' +
    'lookup append exists spread merge reverse each error assert type sort shuffle distinct encodeUrlComponent encodeUrl decodeUrlComponent decodeUrl ' +
    'eval toMillis fromMillis clone now millis').split(' '),
);

export function formatZodIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ');
}

const invalid = (field: string, message: string) => new CrmMcpError('definition_invalid', `${field}: ${message}`, { details: { field } });

/** Checks the schema cannot express, JSONata aside: function names, alternate auth types, header regexes. */
function checkDefinition(def: Definition): void {
  for (const name of Object.keys(def.functions)) {
    const field = `functions.${name}`;
    if ((ENGINE_BINDINGS as readonly string[]).includes(name)) throw invalid(field, `"$${name}" is bound by the engine; choose another name`);
    if (JSONATA_BUILTINS.has(name)) throw invalid(field, `"$${name}" is a JSONata built-in function; choose another name`);
  }
  const seen = new Set<string>([def.auth.type]);
  def.alternate_auth.forEach((a, i) => {
    if (seen.has(a.type)) throw invalid(`alternate_auth.${i}.type`, `${a.type} is already an authentication method of this definition`);
    seen.add(a.type);
  });
  const usage = def.rate_limit?.usage_header;
  if (usage) {
    const problem = regexProblem(usage.regex, '');
    if (problem) throw invalid('rate_limit.usage_header.regex', problem);
  }
}

/** Function bodies are functions; every expression and function compiles (syntax, RE2 regexes). */
function checkJsonata(def: Definition, compiler: ExpressionCompiler): void {
  for (const [name, body] of Object.entries(def.functions)) {
    let type: string | undefined;
    try {
      type = (jsonata(body).ast() as { type?: string }).type;
    } catch {
      continue; // the syntax error is reported by compileAll with its position
    }
    if (type !== 'lambda') throw invalid(`functions.${name}`, 'must be a function, e.g. function($x) { $x * 2 }');
  }
  compileAll(def, compiler);
}

/** Runs `check`, naming `source` in a definition_invalid error. */
function inSource(source: string, check: () => void): void {
  try {
    check();
  } catch (e) {
    if (isCrmMcpError(e, 'definition_invalid')) {
      throw new CrmMcpError('definition_invalid', `${source}: ${e.message}`, { cause: e, details: { file: source, ...e.details } });
    }
    throw e;
  }
}

/** The JSONata checks of a definition parsed with `expressions: 'deferred'`; throws as parseDefinition would. */
export function checkExpressions(def: Definition, source: string, compiler: ExpressionCompiler = createExpressionCompiler()): void {
  inSource(source, () => checkJsonata(def, compiler));
}

/** When a definition's JSONata is checked: while it loads (default) or by a later `checkExpressions`. */
export type ExpressionChecks = 'at-load' | 'deferred';

/** Validates one parsed definition; `source` names it in errors (a file path). */
export function parseDefinition(raw: unknown, source: string, compiler: ExpressionCompiler = createExpressionCompiler(), expressions: ExpressionChecks = 'at-load'): Definition {
  const parsed = DefinitionSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new CrmMcpError('definition_invalid', `${source}: ${formatZodIssues(parsed.error)}`, {
      details: { file: source, field: first ? first.path.map(String).join('.') : '' },
    });
  }
  const def = parsed.data;
  inSource(source, () => {
    checkDefinition(def);
    if (expressions === 'at-load') checkJsonata(def, compiler);
  });
  return def;
}

export function loadDefinitionFile(file: string, compiler?: ExpressionCompiler, expressions?: ExpressionChecks): Definition {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CrmMcpError('definition_invalid', `${file}: not valid JSON: ${(e as Error).message}`, { cause: e, details: { file } });
  }
  return parseDefinition(raw, file, compiler, expressions);
}

export interface LoadedDefinitions {
  definitions: Definition[];
  /** Integration name → the file it was loaded from. */
  files: Record<string, string>;
  /** Definitions that replaced a same-named one from an earlier directory. */
  replaced: Array<{ name: string; file: string; replaces: string }>;
}

/** Every `*.json` file except schema.json in each directory, in order (see the file comment for duplicates). */
export function loadDefinitionDirs(dirs: readonly string[], compiler?: ExpressionCompiler, expressions?: ExpressionChecks): LoadedDefinitions {
  const byName = new Map<string, { def: Definition; file: string }>();
  const replaced: LoadedDefinitions['replaced'] = [];
  for (const dir of dirs) {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch (e) {
      throw new CrmMcpError('definition_invalid', `${dir}: cannot read the integrations directory: ${(e as Error).message}`, { cause: e, details: { file: dir } });
    }
    const inThisDir = new Map<string, string>();
    for (const f of entries.filter((x) => x.endsWith('.json') && x !== 'schema.json').sort()) {
      const path = join(dir, f);
      const def = loadDefinitionFile(path, compiler, expressions);
      const twin = inThisDir.get(def.name);
      if (twin) throw new CrmMcpError('definition_invalid', `${path}: name: integration "${def.name}" already defined in ${twin}`, { details: { file: path, field: 'name' } });
      inThisDir.set(def.name, path);
      const prev = byName.get(def.name);
      if (prev) replaced.push({ name: def.name, file: path, replaces: prev.file });
      byName.set(def.name, { def, file: path });
    }
  }
  return {
    definitions: [...byName.values()].map((v) => v.def),
    files: Object.fromEntries([...byName].map(([n, v]) => [n, v.file])),
    replaced,
  };
}
