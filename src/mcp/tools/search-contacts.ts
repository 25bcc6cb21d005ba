import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { ToolContext } from '../context.js';
import { ifAny, sentences } from './describe.js';
import { cursorInput, fieldsInput, includeRemoteDataInput, responseFormatInput, limitInput, listOutput, once } from '../schemas.js';
import { READ_ONLY, readOptions, registerUnifiedTool } from './unified-tool.js';

export function registerSearchContactsTool(server: McpServer, ctx: ToolContext): void {
  const includes = (ctx.capabilities.find((c) => c.resource === 'contacts' && c.method === 'search')?.includes ?? []).filter((i) => i === 'deal_ids');
  const dealIds = includes.includes('deal_ids');
  registerUnifiedTool(server, ctx, {
    name: 'search_contacts',
    title: `Search ${ctx.crmName} contacts`,
    description: sentences(
      `Search contacts in ${ctx.crmName} by name or email text.`,
      `Use it to find a person (and their id)${ifAny(ctx, ['get_contact', 'update_contact', 'log_note'], (t) => ` before ${t}`)}${ifAny(ctx, ['list_contacts'], (t) => `; prefer it to paging through ${t}`)}.`,
      dealIds ? `Pass include: ["deal_ids"] to get each contact's deal ids in the same call${ifAny(ctx, ['update_deal', 'get_deal'], (t) => ` (ready for ${t})`)}.` : '',
    ),
    resource: 'contacts',
    method: 'search',
    inputSchema: once(`search_contacts:input:${includes.join(',')}`, () =>
      z.strictObject({
        query: z.string().trim().min(1, 'query must not be empty').max(200, 'query is at most 200 characters').describe('Text to match, e.g. a name or an email address'),
        ...(dealIds
          ? { include: z.array(z.enum(['deal_ids'])).max(1).optional().describe("Related ids to add to each contact: 'deal_ids' = the ids of the contact's deals (one more CRM request per page)") }
          : {}),
        limit: limitInput,
        cursor: cursorInput,
        fields: fieldsInput('contacts'),
        include_remote_data: includeRemoteDataInput,
        response_format: responseFormatInput('concise'),
      }),
    ),
    outputSchema: listOutput('contacts'),
    annotations: READ_ONLY,
    toRequest: (args) => {
      const { query, include, ...rest } = args as typeof args & { include?: Array<'deal_ids'> };
      return { ...readOptions(rest), input: { query }, ...(include?.length ? { include } : {}) };
    },
  });
}
