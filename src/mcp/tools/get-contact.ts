import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { ToolContext } from '../context.js';
import { ifAny, sentences } from './describe.js';
import { fieldsInput, idInput, includeRemoteDataInput, responseFormatInput, recordOutput, once } from '../schemas.js';
import { READ_ONLY, readOptions, registerUnifiedTool } from './unified-tool.js';

export function registerGetContactTool(server: McpServer, ctx: ToolContext): void {
  registerUnifiedTool(server, ctx, {
    name: 'get_contact',
    title: `Get a ${ctx.crmName} contact`,
    description: sentences(
      `Fetch one contact (person) from ${ctx.crmName} with names, emails, phones, title, owner and company link.`,
      `Use it when you know the contact id${ifAny(ctx, ['list_contacts', 'search_contacts'], (t) => ` (from ${t})`)}.`,
    ),
    resource: 'contacts',
    method: 'get',
    inputSchema: once('get_contact:input', () => z.strictObject({ id: idInput.describe('The contact id'), fields: fieldsInput('contacts'), include_remote_data: includeRemoteDataInput, response_format: responseFormatInput('detailed') })),
    outputSchema: recordOutput('contacts', 'contact'),
    annotations: READ_ONLY,
    toRequest: ({ id, ...rest }) => ({ id, ...readOptions(rest) }),
  });
}
