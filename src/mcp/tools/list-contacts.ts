import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { ToolContext } from '../context.js';
import { cursorInput, fieldsInput, includeRemoteDataInput, limitInput, listOutput, once } from '../schemas.js';
import { READ_ONLY, readOptions, registerUnifiedTool } from './unified-tool.js';

export function registerListContactsTool(server: McpServer, ctx: ToolContext): void {
  registerUnifiedTool(server, ctx, {
    name: 'list_contacts',
    title: `List ${ctx.crmName} contacts`,
    description:
      `List contacts (people) in the connected ${ctx.crmName} CRM, one page at a time. ` +
      'Use it to browse people when you do not know an id; use get_contact when you do. ' +
      'Pass next_cursor back as cursor for the next page; stop when next_cursor is null.',
    resource: 'contacts',
    method: 'list',
    inputSchema: once('list_contacts:input', () => z.strictObject({ limit: limitInput, cursor: cursorInput, fields: fieldsInput('contacts'), include_remote_data: includeRemoteDataInput })),
    outputSchema: listOutput('contacts'),
    annotations: READ_ONLY,
    toRequest: (args) => readOptions(args),
  });
}
