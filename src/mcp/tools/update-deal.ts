import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ToolContext } from '../context.js';
import { recordOutput } from '../schemas.js';
import { UPDATES, registerUnifiedTool, writeRequest } from './unified-tool.js';
import { updateInput } from './write-schemas.js';

export function registerUpdateDealTool(server: McpServer, ctx: ToolContext): void {
  registerUnifiedTool(server, ctx, {
    name: 'update_deal',
    title: `Update a ${ctx.crmName} deal`,
    description:
      `Change fields of an existing deal in the connected ${ctx.crmName} CRM by id, e.g. move its stage, amount or close date; ` +
      'fields you omit stay as they are. Returns the updated deal.',
    resource: 'deals',
    method: 'update',
    inputSchema: updateInput('deals', 'deal'),
    outputSchema: recordOutput('deals', 'deal'),
    annotations: UPDATES,
    toRequest: (args) => writeRequest(args),
  });
}
