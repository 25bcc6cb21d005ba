import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { ToolContext } from '../context.js';
import { fieldsInput, idInput, includeRemoteDataInput, recordOutput, once } from '../schemas.js';
import { READ_ONLY, readOptions, registerUnifiedTool } from './unified-tool.js';

export function registerGetContactTool(server: McpServer, ctx: ToolContext): void {
  registerUnifiedTool(server, ctx, {
    name: 'get_contact',
    title: `Get a ${ctx.crmName} contact`,
    description: `Fetch one record from the connected ${ctx.crmName} CRM: a contact (person) with names, emails, phones, title, owner and company link. Use it when you know the contact id (from list_contacts or search_contacts).`,
    resource: 'contacts',
    method: 'get',
    inputSchema: once('get_contact:input', () => z.strictObject({ id: idInput.describe('The contact id'), fields: fieldsInput('contacts'), include_remote_data: includeRemoteDataInput })),
    outputSchema: recordOutput('contacts', 'contact'),
    annotations: READ_ONLY,
    toRequest: ({ id, ...rest }) => ({ id, ...readOptions(rest) }),
  });
}
