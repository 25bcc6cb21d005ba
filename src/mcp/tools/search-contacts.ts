import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { ToolContext } from '../context.js';
import { ifAny, sentences } from './describe.js';
import { cursorInput, fieldsInput, includeRemoteDataInput, limitInput, listOutput, once } from '../schemas.js';
import { READ_ONLY, readOptions, registerUnifiedTool } from './unified-tool.js';

export function registerSearchContactsTool(server: McpServer, ctx: ToolContext): void {
  registerUnifiedTool(server, ctx, {
    name: 'search_contacts',
    title: `Search ${ctx.crmName} contacts`,
    description: sentences(
      `Search contacts in ${ctx.crmName} by name or email text.`,
      `Use it to find a person (and their id)${ifAny(ctx, ['get_contact', 'update_contact', 'log_note'], (t) => ` before ${t}`)}${ifAny(ctx, ['list_contacts'], (t) => `; prefer it to paging through ${t}`)}.`,
    ),
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
