import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { ToolContext } from '../context.js';
import { sentences, refusedFields } from './describe.js';
import { recordOutput, once } from '../schemas.js';
import { CREATES, registerUnifiedTool, writeRequest } from './unified-tool.js';
import { createShape } from './write-schemas.js';

const linked = (o: Record<string, unknown>) => ['contact_ids', 'company_ids', 'deal_ids'].some((k) => Array.isArray(o[k]) && (o[k] as unknown[]).length > 0);

export function registerLogNoteTool(server: McpServer, ctx: ToolContext): void {
  const note = ctx.capabilities.find((c) => c.resource === 'notes' && c.method === 'create')?.note;
  registerUnifiedTool(server, ctx, {
    name: 'log_note',
    title: `Log a note in ${ctx.crmName}`,
    description: sentences(
      `Record a note (free text, e.g. a call summary or next steps) in ${ctx.crmName}, attached to contacts, companies or deals by id.`,
      refusedFields(ctx, 'notes', 'create'),
      // What the CRM accepts as parents comes from the definition (Salesforce: exactly one record).
      note ? `${note}.` : `${ctx.crmName} links one note to every record you pass.`,
      'It cannot be edited afterwards with these tools.',
    ),
    resource: 'notes',
    method: 'create',
    inputSchema: once('log_note:input', () =>
      z
        .strictObject(createShape('notes'))
        .refine(linked, { message: 'link the note to at least one record: contact_ids, company_ids or deal_ids' }),
    ),
    outputSchema: recordOutput('notes', 'note', { write: true }),
    annotations: CREATES,
    toRequest: (args) => writeRequest(args),
  });
}
