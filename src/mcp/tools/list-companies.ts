import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { ToolContext } from '../context.js';
import { ifAny, sentences } from './describe.js';
import { cursorInput, fieldsInput, includeRemoteDataInput, responseFormatInput, limitInput, listOutput, once } from '../schemas.js';
import { READ_ONLY, readOptions, registerUnifiedTool } from './unified-tool.js';

export function registerListCompaniesTool(server: McpServer, ctx: ToolContext): void {
  registerUnifiedTool(server, ctx, {
    name: 'list_companies',
    title: `List ${ctx.crmName} companies`,
    description: sentences(
      `List companies (organizations, accounts) in ${ctx.crmName}, one page at a time.`,
      `Use it to browse organizations when you do not know an id${ifAny(ctx, ['get_company'], (t) => `; use ${t} when you do`)}.`,
    ),
    resource: 'companies',
    method: 'list',
    inputSchema: once('list_companies:input', () => z.strictObject({ limit: limitInput, cursor: cursorInput, fields: fieldsInput('companies'), include_remote_data: includeRemoteDataInput, response_format: responseFormatInput('concise') })),
    outputSchema: listOutput('companies'),
    annotations: READ_ONLY,
    toRequest: (args) => readOptions(args),
  });
}
