import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { ToolContext } from '../context.js';
import { cursorInput, fieldsInput, includeRemoteDataInput, limitInput, listOutput, once } from '../schemas.js';
import { READ_ONLY, readOptions, registerUnifiedTool } from './unified-tool.js';

export function registerSearchContactsTool(server: McpServer, ctx: ToolContext): void {
  registerUnifiedTool(server, ctx, {
    name: 'search_contacts',
    title: `Search ${ctx.crmName} contacts`,
    description:
      `Search contacts in the connected ${ctx.crmName} CRM by name or email text. ` +
      'Use it to find a person (and their id) before get_contact, update_contact or log_note; prefer it to paging through list_contacts.',
    resource: 'contacts',
    method: 'search',
    inputSchema: once('search_contacts:input', () =>
      z.strictObject({
        query: z.string().trim().min(1, 'query must not be empty').max(200, 'query is at most 200 characters').describe('Text to match, e.g. a name or an email address'),
        limit: limitInput,
        cursor: cursorInput,
        fields: fieldsInput('contacts'),
        include_remote_data: includeRemoteDataInput,
      }),
    ),
    outputSchema: listOutput('contacts'),
    annotations: READ_ONLY,
    toRequest: ({ query, ...rest }) => ({ ...readOptions(rest), input: { query } }),
  });
}
