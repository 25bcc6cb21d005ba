import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { ToolContext } from '../context.js';
import { cursorInput, fieldsInput, includeRemoteDataInput, limitInput, listOutput, once } from '../schemas.js';
import { READ_ONLY, readOptions, registerUnifiedTool } from './unified-tool.js';

export function registerListCompaniesTool(server: McpServer, ctx: ToolContext): void {
  registerUnifiedTool(server, ctx, {
    name: 'list_companies',
    title: `List ${ctx.crmName} companies`,
    description:
      `List companies (organizations, accounts) in the connected ${ctx.crmName} CRM, one page at a time. ` +
      'Use it to browse organizations when you do not know an id; use get_company when you do. ' +
      'Pass next_cursor back as cursor for the next page; stop when next_cursor is null.',
    resource: 'companies',
    method: 'list',
    inputSchema: once('list_companies:input', () => z.strictObject({ limit: limitInput, cursor: cursorInput, fields: fieldsInput('companies'), include_remote_data: includeRemoteDataInput })),
    outputSchema: listOutput('companies'),
    annotations: READ_ONLY,
    toRequest: (args) => readOptions(args),
  });
}
