/**
 * One MCP server per linked account, built apart from any transport. Cheap to build (the HTTP
 * transport builds one per request): it asks the engine which (resource, method) pairs the
 * account's integration supports and registers exactly those tools.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { LinkedAccount } from '../accounts/model.js';
import type { Deps } from '../core/deps.js';
import type { Engine, RateLimitInfo } from '../engine/types.js';
import type { ToolContext } from './context.js';
import { SERVER_CAPABILITIES, SERVER_INFO, SERVER_INSTRUCTIONS } from './server-info.js';
import { accountSchemaIdentity } from './schemas.js';
import { registerDescribeCrmTool } from './tools/describe-crm.js';
import { TOOLS } from './tools/index.js';


export interface CreateServerOptions {
  account: LinkedAccount;
  engine: Engine;
  deps: Deps;
  /** Reconnect link shown on needs_reauth; `{account}` is replaced by the account id. */
  reconnectUrl?: string;
  /** The CRM's display name for tool descriptions (default: from the integration id). */
  crmName?: string;
  /** Re-reads the account before every call (default: the account given). */
  loadAccount?: () => Promise<LinkedAccount | undefined>;
  onRateLimit?: (info: RateLimitInfo) => void;
}

export interface CrmMcpServer {
  server: McpServer;
  /** Names of the registered tools, in registration order. */
  tools: string[];
  cleanup(): Promise<void>;
}

const KNOWN_NAMES: Record<string, string> = { hubspot: 'HubSpot', salesforce: 'Salesforce' };

export function defaultCrmName(integration: string): string {
  return KNOWN_NAMES[integration] ?? integration.charAt(0).toUpperCase() + integration.slice(1);
}

export async function createServer(opts: CreateServerOptions): Promise<CrmMcpServer> {
  const { account, engine, deps } = opts;
  const crmName = opts.crmName ?? defaultCrmName(account.integration);
  const server = new McpServer(
    { ...SERVER_INFO },
    {
      capabilities: structuredClone(SERVER_CAPABILITIES),
      // Bounds the size of tool arguments before validation (custom_fields is an open record).
      maxToolInputElements: 2000,
      instructions: SERVER_INSTRUCTIONS,
    },
  );
  const capabilities = await engine.capabilities(account);
  const supported = new Set(capabilities.map((c) => `${c.resource}.${c.method}`));
  const offered = TOOLS.filter((t) => supported.has(`${t.resource}.${t.method}`));
  const schemaFacts = engine.schemaFacts(account);
  const schemaUpdates: NonNullable<ToolContext['schemaUpdates']> = [];
  let schemaIdentity = accountSchemaIdentity(schemaFacts);
  const ctx: ToolContext = {
    accountId: account.id,
    engine,
    deps,
    crmName,
    capabilities,
    available: new Set(offered.map((t) => t.name)),
    loadAccount: opts.loadAccount ?? (async () => account),
    ...(opts.reconnectUrl !== undefined ? { reconnectUrl: opts.reconnectUrl } : {}),
    ...(opts.onRateLimit ? { onRateLimit: opts.onRateLimit } : {}),
    schemaFacts,
    schemaUpdates,
    // An override edit or a discovery changed what the schemas say: re-apply them, tell the session.
    onAccountLoaded(current) {
      const facts = engine.schemaFacts(current);
      const identity = accountSchemaIdentity(facts);
      if (identity === schemaIdentity) return;
      schemaIdentity = identity;
      for (const update of schemaUpdates) update(facts);
      server.sendToolListChanged();
    },
  };
  const tools: string[] = [];
  for (const tool of offered) {
    tool.register(server, ctx);
    tools.push(tool.name);
  }
  // Not a unified (resource, method) tool: every account can describe itself.
  registerDescribeCrmTool(server, ctx);
  tools.push('describe_crm');
  return { server, tools, cleanup: () => server.close() };
}
