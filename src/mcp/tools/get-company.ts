import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { ToolContext } from '../context.js';
import { ifAny, sentences } from './describe.js';
import { fieldsInput, idInput, includeRemoteDataInput, responseFormatInput, recordOutput, once } from '../schemas.js';
import { READ_ONLY, readOptions, registerUnifiedTool } from './unified-tool.js';

export function registerGetCompanyTool(server: McpServer, ctx: ToolContext): void {
  registerUnifiedTool(server, ctx, {
    name: 'get_company',
    title: `Get a ${ctx.crmName} company`,
    description: sentences(
      `Fetch one company (organization) from ${ctx.crmName} with name, domain, industry and owner.`,
      `Use it when you know the company id (${ifAny(ctx, ['list_companies'], (t) => `from ${t} or `)}from a contact's company_id).`,
    ),
    resource: 'companies',
    method: 'get',
    inputSchema: once('get_company:input', () => z.strictObject({ id: idInput.describe('The company id'), fields: fieldsInput('companies'), include_remote_data: includeRemoteDataInput, response_format: responseFormatInput('detailed') })),
    outputSchema: recordOutput('companies', 'company'),
    annotations: READ_ONLY,
    toRequest: ({ id, ...rest }) => ({ id, ...readOptions(rest) }),
  });
}
