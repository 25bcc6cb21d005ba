/**
 * `crm-mcp integrations list`: the definitions this configuration loads (shipped ones, then
 * `--integrations` / CRM_MCP_INTEGRATIONS_DIR / `integrationsDir`), with where each came from.
 * `crm-mcp integrations validate <file>`: a definition file checked as the loader checks it, plus
 * unmapped unified fields and unused vars/functions; every finding names the file and JSON path.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { authMethods } from '../../integrations/accessors.js';
import { validateDefinitionFile } from '../../integrations/validate.js';
import { UNIFIED_METHODS, UNIFIED_RESOURCES } from '../../unified/models.js';
import type { CommandContext } from '../context.js';
import { EXIT, notFound } from '../exit.js';
import { out } from '../kit.js';

export function define(cmd: Command, ctx: CommandContext): void {
  const { io } = ctx;
  cmd
    .command('list')
    .description('the loaded integration definitions: name, display name, auth methods, capabilities, source file')
    .action(
      ctx.action(async () => {
        const { registry } = await ctx.integrations();
        const replaced = new Map(registry.replaced().map((r) => [r.name, r.replaces]));
        const rows = registry.list().map((d) => ({
          name: d.name,
          display_name: d.display_name,
          auth_methods: authMethods(d),
          capabilities: UNIFIED_RESOURCES.flatMap((r) => UNIFIED_METHODS.filter((m) => d.resources[r]?.[m]).map((m) => `${r}.${m}`)),
          file: registry.source(d.name) ?? null,
          replaces: replaced.get(d.name) ?? null,
        }));
        const text = rows
          .map((r) => [`${r.name} (${r.display_name})  auth: ${r.auth_methods.join(', ')}`, `  ${r.capabilities.join(' ')}`, `  from ${r.file}${r.replaces ? ` (replaces ${r.replaces})` : ''}`].join('\n'))
          .join('\n');
        out(io, ctx.globals().json, { integrations: rows }, text);
        return EXIT.ok;
      }),
    );
  cmd
    .command('validate')
    .description('check a definition file: schema, every expression, mapped unified fields, unused vars and functions')
    .argument('<file>', 'the definition (JSON)')
    .action(
      ctx.action(async (sub) => {
        const file = sub.args[0]!;
        if (!existsSync(file)) throw notFound(`no such file: ${file}`);
        const r = validateDefinitionFile(file);
        const line = (kind: string) => (f: { file: string; path: string; message: string }) => `${kind}: ${f.file}: ${f.path}: ${f.message}`;
        const verdict = r.errors.length === 0 ? `${file}: ${r.name ?? 'definition'} is valid${r.warnings.length ? ` (${r.warnings.length} warning(s))` : ''}` : `${file}: ${r.errors.length} error(s)`;
        out(io, ctx.globals().json, { ok: r.errors.length === 0, ...r }, [...r.errors.map(line('error')), ...r.warnings.map(line('warning')), verdict].join('\n'));
        return r.errors.length === 0 ? EXIT.ok : EXIT.failure;
      }),
    );
}
