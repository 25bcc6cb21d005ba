import type { McpServer } from '@modelcontextprotocol/server';
import type { ToolContext } from '../context.js';
import { ifAny, requiredFields, sentences, refusedFields } from './describe.js';
import { recordOutput } from '../schemas.js';
import { CREATES, registerUnifiedTool, writeRequest } from './unified-tool.js';
import { createInput } from './write-schemas.js';

export function registerCreateContactTool(server: McpServer, ctx: ToolContext): void {
  registerUnifiedTool(server, ctx, {
    name: 'create_contact',
    title: `Create a ${ctx.crmName} contact`,
    description: sentences(
      `Create a new contact (person) in ${ctx.crmName} and return it with its new id.`,
      refusedFields(ctx, 'contacts', 'create'),
      requiredFields(ctx, 'contacts', 'create'),
      ifAny(ctx, ['search_contacts', 'list_contacts'], (t) => `Look first (${t}) to avoid duplicates.`),
      ifAny(ctx, ['update_contact'], (t) => `To change an existing person use ${t}.`),
    ),
    resource: 'contacts',
    method: 'create',
    inputSchema: createInput('contacts'),
    outputSchema: recordOutput('contacts', 'contact', { write: true }),
    annotations: CREATES,
    toRequest: (args) => writeRequest(args),
  });
}
