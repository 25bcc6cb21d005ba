/**
 * Tool descriptions are built from what this account's integration exposes: the CRM's
 * display_name as the definition gives it, other tools named only when this server registers them,
 * and fields the CRM requires read from the definition (`required`) — never another CRM's names.
 */
import type { ToolContext } from '../context.js';

/** The tools among `names` this server registers, as "a, b or c" (undefined when none). */
function anyOf(ctx: ToolContext, names: string[], conjunction = 'or'): string | undefined {
  const have = names.filter((n) => ctx.available.has(n));
  if (have.length === 0) return undefined;
  return have.length === 1 ? have[0] : `${have.slice(0, -1).join(', ')} ${conjunction} ${have.at(-1)}`;
}

/** `text(tools)` when one of `names` is registered, else ''. */
export function ifAny(ctx: ToolContext, names: string[], text: (tools: string) => string, conjunction?: string): string {
  const tools = anyOf(ctx, names, conjunction);
  return tools === undefined ? '' : text(tools);
}

/** "HubSpot requires name and stage. " from the definition's `required` for this write, else ''. */
export function requiredFields(ctx: ToolContext, resource: string, method: string): string {
  const req = ctx.capabilities.find((c) => c.resource === resource && c.method === method)?.required ?? [];
  if (req.length === 0) return '';
  const list = req.length === 1 ? req[0] : `${req.slice(0, -1).join(', ')} and ${req.at(-1)}`;
  return `${ctx.crmName} requires ${list}. `;
}

/** Sentences joined with single spaces, empty ones dropped. */
export function sentences(...parts: string[]): string {
  return parts.map((p) => p.trim()).filter(Boolean).join(' ');
}

/** "Salesforce cannot store currency or pipeline (refused). " from the definition's `refuse` for this write, else ''. */
export function refusedFields(ctx: ToolContext, resource: string, method: string): string {
  const no = ctx.capabilities.find((c) => c.resource === resource && c.method === method)?.refused ?? [];
  if (no.length === 0) return '';
  const list = no.length === 1 ? no[0] : `${no.slice(0, -1).join(', ')} or ${no.at(-1)}`;
  return `${ctx.crmName} cannot store ${list} here (refused). `;
}
