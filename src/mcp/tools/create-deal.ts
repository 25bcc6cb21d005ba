import type { McpServer } from '@modelcontextprotocol/server';
import type { ToolContext } from '../context.js';
import { ifAny, requiredFields, sentences, refusedFields } from './describe.js';
import { recordOutput } from '../schemas.js';
import { CREATES, registerUnifiedTool, writeRequest } from './unified-tool.js';
import { createInput } from './write-schemas.js';

export function registerCreateDealTool(server: McpServer, ctx: ToolContext): void {
  registerUnifiedTool(server, ctx, {
    name: 'create_deal',
    title: `Create a ${ctx.crmName} deal`,
    description: sentences(
      `Create a new deal (opportunity) in ${ctx.crmName} with name, amount, currency, stage and close date (YYYY-MM-DD), optionally linked to a company and contacts.`,
      refusedFields(ctx, 'deals', 'create'),
      requiredFields(ctx, 'deals', 'create'),
      'Valid stage ids: describe_crm. A missing required field or an unknown stage is a validation error naming the field.',
      'Returns the deal with its new id.',
      ifAny(ctx, ['update_deal'], (t) => `To change an existing deal use ${t}.`),
    ),
    resource: 'deals',
    method: 'create',
    inputSchema: createInput('deals'),
    outputSchema: recordOutput('deals', 'deal', { write: true }),
    annotations: CREATES,
    toRequest: (args) => writeRequest(args),
  });
}
