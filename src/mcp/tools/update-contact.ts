import type { McpServer } from '@modelcontextprotocol/server';
import type { ToolContext } from '../context.js';
import { ifAny, sentences, refusedFields } from './describe.js';
import { recordOutput } from '../schemas.js';
import { UPDATES, registerUnifiedTool, writeRequest } from './unified-tool.js';
import { updateInput } from './write-schemas.js';

export function registerUpdateContactTool(server: McpServer, ctx: ToolContext): void {
  registerUnifiedTool(server, ctx, {
    name: 'update_contact',
    title: `Update a ${ctx.crmName} contact`,
    description: sentences(
      `Change fields of an existing contact in ${ctx.crmName} by id; fields you omit stay as they are.`,
      refusedFields(ctx, 'contacts', 'update'),
      'Returns the updated contact.',
      ifAny(ctx, ['create_contact'], (t) => `Use ${t} for a new person.`),
    ),
    resource: 'contacts',
    method: 'update',
    inputSchema: updateInput('contacts', 'contact'),
    outputSchema: recordOutput('contacts', 'contact', { write: true }),
    annotations: UPDATES,
    toRequest: (args) => writeRequest(args),
  });
}
