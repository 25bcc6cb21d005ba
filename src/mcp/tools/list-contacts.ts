import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { ToolContext } from '../context.js';
import { ifAny, sentences } from './describe.js';
import { cursorInput, fieldsInput, includeRemoteDataInput, responseFormatInput, limitInput, listOutput, once } from '../schemas.js';
import { READ_ONLY, readOptions, registerUnifiedTool } from './unified-tool.js';

export function registerListContactsTool(server: McpServer, ctx: ToolContext): void {
  registerUnifiedTool(server, ctx, {
    name: 'list_contacts',
    title: `List ${ctx.crmName} contacts`,
    description: sentences(
      `List contacts (people) in ${ctx.crmName}, one page at a time.`,
      `Use it to browse people when you do not know an id${ifAny(ctx, ['get_contact'], (t) => `; use ${t} when you do`)}.`,
      ifAny(ctx, ['search_contacts'], (t) => `To find someone by name or email, ${t} is quicker.`),
    ),
    resource: 'contacts',
    method: 'list',
    inputSchema: once('list_contacts:input', () => z.strictObject({ limit: limitInput, cursor: cursorInput, fields: fieldsInput('contacts'), include_remote_data: includeRemoteDataInput, response_format: responseFormatInput('concise') })),
    outputSchema: listOutput('contacts'),
    annotations: READ_ONLY,
    toRequest: (args) => readOptions(args),
  });
}
