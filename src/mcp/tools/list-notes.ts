import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { ToolContext } from '../context.js';
import { sentences } from './describe.js';
import { filterRequest } from './list-deals.js';
import { cursorInput, fieldsInput, filterInputs, includeRemoteDataInput, responseFormatInput, limitInput, listOutput, once } from '../schemas.js';
import { READ_ONLY, readOptions, registerUnifiedTool } from './unified-tool.js';

export function registerListNotesTool(server: McpServer, ctx: ToolContext): void {
  const cap = ctx.capabilities.find((c) => c.resource === 'notes' && c.method === 'list');
  const filters = cap?.filters ?? [];
  registerUnifiedTool(server, ctx, {
    name: 'list_notes',
    title: `List ${ctx.crmName} notes`,
    description: sentences(
      `List notes (logged activity text with linked contact, company and deal ids) in ${ctx.crmName}, one page at a time.`,
      filters.length ? `Pass ${filters.join(', ')} to read the history of one record.` : 'Use it to read the history recorded against records.',
      cap?.note ? `${cap.note}.` : '',
    ),
    resource: 'notes',
    method: 'list',
    inputSchema: once(`list_notes:input:${filters.join(',')}`, () =>
      z.strictObject({ ...filterInputs(filters, 'notes'), limit: limitInput, cursor: cursorInput, fields: fieldsInput('notes'), include_remote_data: includeRemoteDataInput, response_format: responseFormatInput('concise') }),
    ),
    outputSchema: listOutput('notes'),
    annotations: READ_ONLY,
    toRequest: ({ contact_id, company_id, deal_id, ...rest }) => ({ ...readOptions(rest), ...filterRequest({ contact_id, company_id, deal_id }) }),
  });
}
