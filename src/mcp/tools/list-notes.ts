import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { ToolContext } from '../context.js';
import { sentences } from './describe.js';
import { cursorInput, fieldsInput, includeRemoteDataInput, limitInput, listOutput, once } from '../schemas.js';
import { READ_ONLY, readOptions, registerUnifiedTool } from './unified-tool.js';

export function registerListNotesTool(server: McpServer, ctx: ToolContext): void {
  registerUnifiedTool(server, ctx, {
    name: 'list_notes',
    title: `List ${ctx.crmName} notes`,
    description: sentences(
      `List notes (logged activity text with linked contact, company and deal ids) in ${ctx.crmName}, one page at a time.`,
      'Use it to read the history recorded against records.',
      'Pass next_cursor back as cursor for the next page; stop when next_cursor is null.',
    ),
    resource: 'notes',
    method: 'list',
    inputSchema: once('list_notes:input', () => z.strictObject({ limit: limitInput, cursor: cursorInput, fields: fieldsInput('notes'), include_remote_data: includeRemoteDataInput })),
    outputSchema: listOutput('notes'),
    annotations: READ_ONLY,
    toRequest: (args) => readOptions(args),
  });
}
