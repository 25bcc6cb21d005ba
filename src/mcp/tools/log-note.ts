import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { NoteWriteSchema } from '../../unified/models.js';
import type { ToolContext } from '../context.js';
import { sentences } from './describe.js';
import { includeRemoteDataInput, recordOutput, once } from '../schemas.js';
import { CREATES, registerUnifiedTool, writeRequest } from './unified-tool.js';

const linked = (o: { contact_ids?: string[]; company_ids?: string[]; deal_ids?: string[] }) =>
  Boolean(o.contact_ids?.length || o.company_ids?.length || o.deal_ids?.length);

export function registerLogNoteTool(server: McpServer, ctx: ToolContext): void {
  registerUnifiedTool(server, ctx, {
    name: 'log_note',
    title: `Log a note in ${ctx.crmName}`,
    description: sentences(
      `Record a note (free text, e.g. a call summary or next steps) in ${ctx.crmName}, attached to at least one contact, company or deal by id.`,
      'Use it to leave a durable record others will see; it cannot be edited afterwards with these tools.',
    ),
    resource: 'notes',
    method: 'create',
    inputSchema: once('log_note:input', () =>
      z
        .strictObject({ ...NoteWriteSchema.shape, include_remote_data: includeRemoteDataInput })
        .refine(linked, { message: 'link the note to at least one record: contact_ids, company_ids or deal_ids' }),
    ),
    outputSchema: recordOutput('notes', 'note'),
    annotations: CREATES,
    toRequest: (args) => writeRequest(args),
  });
}
