/**
 * Loads integration definitions from directories (default: the repo's integrations/),
 * validates each against the zod schema, compiles every JSONata expression and checks
 * every declared regex. Any failure throws CrmMcpError('definition_invalid') naming the file
 * and the field path; nothing half-loaded is returned.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { CrmMcpError, isCrmMcpError } from '../core/errors.js';
import { compileAll, createExpressionCompiler, type ExpressionCompiler } from './expressions.js';
import { DefinitionSchema, type Definition } from './schema.js';

/** The repo's integrations/ directory (works from src/ under tsx and from dist/). */
export const DEFAULT_INTEGRATIONS_DIR = resolve(fileURLToPath(new URL('../..', import.meta.url)), 'integrations');

export function formatZodIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ');
}

/** Validates one parsed definition; `source` names it in errors (a file path). */
export function parseDefinition(raw: unknown, source: string, compiler: ExpressionCompiler = createExpressionCompiler()): Definition {
  const parsed = DefinitionSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new CrmMcpError('definition_invalid', `${source}: ${formatZodIssues(parsed.error)}`, {
      details: { file: source, field: first ? first.path.map(String).join('.') : '' },
    });
  }
  const def = parsed.data;
  try {
    compileAll(def, compiler);
    const usage = def.rate_limit?.usage_header;
    if (usage) {
      try {
        new RegExp(usage.regex);
      } catch (e) {
        throw new CrmMcpError('definition_invalid', `rate_limit.usage_header.regex: ${(e as Error).message}`, {
          details: { field: 'rate_limit.usage_header.regex' },
        });
      }
    }
  } catch (e) {
    if (isCrmMcpError(e, 'definition_invalid')) {
      throw new CrmMcpError('definition_invalid', `${source}: ${e.message}`, { cause: e, details: { file: source, ...e.details } });
    }
    throw e;
  }
  return def;
}

export function loadDefinitionFile(file: string, compiler?: ExpressionCompiler): Definition {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CrmMcpError('definition_invalid', `${file}: not valid JSON: ${(e as Error).message}`, { cause: e, details: { file } });
  }
  return parseDefinition(raw, file, compiler);
}

/** Every `*.json` file except schema.json in each directory, in order; later directories may not redefine a name. */
export function loadDefinitionDirs(dirs: readonly string[], compiler?: ExpressionCompiler): Definition[] {
  const out: Definition[] = [];
  const seen = new Map<string, string>();
  for (const dir of dirs) {
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.json') && f !== 'schema.json')
      .sort();
    for (const f of files) {
      const path = join(dir, f);
      const def = loadDefinitionFile(path, compiler);
      const prev = seen.get(def.name);
      if (prev) throw new CrmMcpError('definition_invalid', `${path}: name: integration "${def.name}" already defined in ${prev}`, { details: { file: path, field: 'name' } });
      seen.set(def.name, path);
      out.push(def);
    }
  }
  return out;
}
