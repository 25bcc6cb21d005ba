import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { ToolContext } from '../context.js';
import { ifAny, sentences } from './describe.js';
import { fieldsInput, idInput, includeRemoteDataInput, responseFormatInput, recordOutput, once } from '../schemas.js';
import { READ_ONLY, readOptions, registerUnifiedTool } from './unified-tool.js';

export function registerGetDealTool(server: McpServer, ctx: ToolContext): void {
  registerUnifiedTool(server, ctx, {
    name: 'get_deal',
    title: `Get a ${ctx.crmName} deal`,
    description: sentences(
      `Fetch one deal (opportunity) from ${ctx.crmName} with amount, currency, stage, pipeline, close date and linked company and contacts.`,
      `Use it when you know the deal id${ifAny(ctx, ['list_deals'], (t) => ` (from ${t})`)}.`,
    ),
    resource: 'deals',
    method: 'get',
    inputSchema: once('get_deal:input', () => z.strictObject({ id: idInput.describe('The deal id'), fields: fieldsInput('deals'), include_remote_data: includeRemoteDataInput, response_format: responseFormatInput('detailed') })),
    outputSchema: recordOutput('deals', 'deal'),
    annotations: READ_ONLY,
    toRequest: ({ id, ...rest }) => ({ id, ...readOptions(rest) }),
  });
}
