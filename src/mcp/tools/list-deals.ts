import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { ToolContext } from '../context.js';
import { ifAny, sentences } from './describe.js';
import { cursorInput, fieldsInput, includeRemoteDataInput, limitInput, listOutput, once } from '../schemas.js';
import { READ_ONLY, readOptions, registerUnifiedTool } from './unified-tool.js';

export function registerListDealsTool(server: McpServer, ctx: ToolContext): void {
  registerUnifiedTool(server, ctx, {
    name: 'list_deals',
    title: `List ${ctx.crmName} deals`,
    description: sentences(
      `List deals (opportunities) in ${ctx.crmName} with amount, stage and close date, one page at a time.`,
      `Use it to review the pipeline or find a deal id${ifAny(ctx, ['get_deal'], (t) => `; use ${t} when you have the id`)}.`,
      'Pass next_cursor back as cursor for the next page; stop when next_cursor is null.',
    ),
    resource: 'deals',
    method: 'list',
    inputSchema: once('list_deals:input', () => z.strictObject({ limit: limitInput, cursor: cursorInput, fields: fieldsInput('deals'), include_remote_data: includeRemoteDataInput })),
    outputSchema: listOutput('deals'),
    annotations: READ_ONLY,
    toRequest: (args) => readOptions(args),
  });
}
