import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ToolContext } from '../context.js';
import { recordOutput } from '../schemas.js';
import { CREATES, registerUnifiedTool, writeRequest } from './unified-tool.js';
import { createInput } from './write-schemas.js';

export function registerCreateDealTool(server: McpServer, ctx: ToolContext): void {
  registerUnifiedTool(server, ctx, {
    name: 'create_deal',
    title: `Create a ${ctx.crmName} deal`,
    description:
      `Create a new deal (opportunity) in the connected ${ctx.crmName} CRM with name, amount, currency, stage and close date (YYYY-MM-DD), ` +
      'optionally linked to a company and contacts. Stage values are the CRM\'s own (list_deals shows them); the CRM may require ' +
      'some fields (Salesforce: name, stage and close_date) and answers a validation error naming what is missing. ' +
      'Returns the deal with its new id. To change an existing deal use update_deal.',
    resource: 'deals',
    method: 'create',
    inputSchema: createInput('deals'),
    outputSchema: recordOutput('deals', 'deal'),
    annotations: CREATES,
    toRequest: (args) => writeRequest(args),
  });
}
