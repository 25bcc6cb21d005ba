import type { McpServer } from '@modelcontextprotocol/server';
import type { ToolContext } from '../context.js';
import { sentences, refusedFields } from './describe.js';
import { recordOutput } from '../schemas.js';
import { UPDATES, registerUnifiedTool, writeRequest } from './unified-tool.js';
import { updateInput } from './write-schemas.js';

export function registerUpdateDealTool(server: McpServer, ctx: ToolContext): void {
  registerUnifiedTool(server, ctx, {
    name: 'update_deal',
    title: `Update a ${ctx.crmName} deal`,
    description: sentences(
      `Change fields of an existing deal in ${ctx.crmName} by id, e.g. move its stage, amount or close date; fields you omit stay as they are.`,
      refusedFields(ctx, 'deals', 'update'),
      'Valid stage ids: describe_crm; an unknown stage is a validation error naming stage.',
      'Returns the updated deal.',
    ),
    resource: 'deals',
    method: 'update',
    inputSchema: updateInput('deals', 'deal'),
    outputSchema: recordOutput('deals', 'deal', { write: true }),
    annotations: UPDATES,
    toRequest: (args) => writeRequest(args),
  });
}
