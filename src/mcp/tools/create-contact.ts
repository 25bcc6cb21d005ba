import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ToolContext } from '../context.js';
import { recordOutput } from '../schemas.js';
import { CREATES, registerUnifiedTool, writeRequest } from './unified-tool.js';
import { createInput } from './write-schemas.js';

export function registerCreateContactTool(server: McpServer, ctx: ToolContext): void {
  registerUnifiedTool(server, ctx, {
    name: 'create_contact',
    title: `Create a ${ctx.crmName} contact`,
    description:
      `Create a new contact (person) in the connected ${ctx.crmName} CRM and return it with its new id. ` +
      'Search first (search_contacts or list_contacts) to avoid duplicates; to change an existing person use update_contact.',
    resource: 'contacts',
    method: 'create',
    inputSchema: createInput('contacts'),
    outputSchema: recordOutput('contacts', 'contact'),
    annotations: CREATES,
    toRequest: (args) => writeRequest(args),
  });
}
