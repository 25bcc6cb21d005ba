/**
 * Which tool serves which (resource, method) capability. The server registers exactly the
 * tools whose capability the account's integration declares.
 */
import type { McpServer } from '@modelcontextprotocol/server';
import type { UnifiedMethod, UnifiedResource } from '../../unified/models.js';
import type { ToolContext } from '../context.js';
import { registerCreateContactTool } from './create-contact.js';
import { registerCreateDealTool } from './create-deal.js';
import { registerGetCompanyTool } from './get-company.js';
import { registerGetContactTool } from './get-contact.js';
import { registerGetDealTool } from './get-deal.js';
import { registerListCompaniesTool } from './list-companies.js';
import { registerListContactsTool } from './list-contacts.js';
import { registerListDealsTool } from './list-deals.js';
import { registerListNotesTool } from './list-notes.js';
import { registerLogNoteTool } from './log-note.js';
import { registerSearchContactsTool } from './search-contacts.js';
import { registerUpdateContactTool } from './update-contact.js';
import { registerUpdateDealTool } from './update-deal.js';

export interface ToolEntry {
  name: string;
  resource: UnifiedResource;
  method: UnifiedMethod;
  register(server: McpServer, ctx: ToolContext): void;
}

export const TOOLS: readonly ToolEntry[] = [
  { name: 'list_contacts', resource: 'contacts', method: 'list', register: registerListContactsTool },
  { name: 'search_contacts', resource: 'contacts', method: 'search', register: registerSearchContactsTool },
  { name: 'get_contact', resource: 'contacts', method: 'get', register: registerGetContactTool },
  { name: 'create_contact', resource: 'contacts', method: 'create', register: registerCreateContactTool },
  { name: 'update_contact', resource: 'contacts', method: 'update', register: registerUpdateContactTool },
  { name: 'list_companies', resource: 'companies', method: 'list', register: registerListCompaniesTool },
  { name: 'get_company', resource: 'companies', method: 'get', register: registerGetCompanyTool },
  { name: 'list_deals', resource: 'deals', method: 'list', register: registerListDealsTool },
  { name: 'get_deal', resource: 'deals', method: 'get', register: registerGetDealTool },
  { name: 'create_deal', resource: 'deals', method: 'create', register: registerCreateDealTool },
  { name: 'update_deal', resource: 'deals', method: 'update', register: registerUpdateDealTool },
  { name: 'log_note', resource: 'notes', method: 'create', register: registerLogNoteTool },
  { name: 'list_notes', resource: 'notes', method: 'list', register: registerListNotesTool },
];
