import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { ToolContext } from '../context.js';
import { ifAny, sentences } from './describe.js';
import { cursorInput, fieldsInput, filterInputs, includeRemoteDataInput, responseFormatInput, limitInput, listOutput, once } from '../schemas.js';
import { READ_ONLY, readOptions, registerUnifiedTool } from './unified-tool.js';

export function registerListDealsTool(server: McpServer, ctx: ToolContext): void {
  const cap = ctx.capabilities.find((c) => c.resource === 'deals' && c.method === 'list');
  const filters = cap?.filters ?? [];
  registerUnifiedTool(server, ctx, {
    name: 'list_deals',
    title: `List ${ctx.crmName} deals`,
    description: sentences(
      `List deals (opportunities) in ${ctx.crmName} with amount, stage and close date, one page at a time.`,
      filters.length
        ? `Pass ${filters.join(' or ')} to list only the deals linked to that record (no paging through everything).`
        : `Use it to review the pipeline or find a deal id${ifAny(ctx, ['get_deal'], (t) => `; use ${t} when you have the id`)}.`,
      cap?.note ? `${cap.note}.` : '',
    ),
    resource: 'deals',
    method: 'list',
    inputSchema: once(`list_deals:input:${filters.join(',')}`, () =>
      z.strictObject({ ...filterInputs(filters, 'deals'), limit: limitInput, cursor: cursorInput, fields: fieldsInput('deals'), include_remote_data: includeRemoteDataInput, response_format: responseFormatInput('concise') }),
    ),
    outputSchema: listOutput('deals'),
    annotations: READ_ONLY,
    toRequest: ({ contact_id, company_id, ...rest }) => ({ ...readOptions(rest), ...filterRequest({ contact_id, company_id }) }),
  });
}

/** The given association filters as the engine's list input (none → no input). */
export function filterRequest(f: Record<string, unknown>): { input?: Record<string, unknown> } {
  const input = Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined));
  return Object.keys(input).length ? { input } : {};
}
