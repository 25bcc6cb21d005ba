/**
 * One MCP server per linked account, built apart from any transport. Cheap to build (the HTTP
 * entry builds one per request, as the SDK's v2 serving entries do): it asks the engine which
 * (resource, method) pairs the account's integration supports and registers exactly those tools,
 * whose schemas are converted once per process (compiled-schema.ts). The same server serves
 * 2025-era connections (initialize) and 2026-07-28 requests; the serving entry decides the era.
 */
import { McpServer } from '@modelcontextprotocol/server';
import type { LinkedAccount } from '../accounts/model.js';
import type { Deps } from '../core/deps.js';
import type { AccountSchemaFacts, Engine, RateLimitInfo } from '../engine/types.js';
import type { ToolContext } from './context.js';
import type { ReauthFlow } from './reauth.js';
import { SERVER_CAPABILITIES, SERVER_INFO, SERVER_INSTRUCTIONS } from './server-info.js';
import { accountSchemaIdentity } from './schemas.js';
import { resolveToolSet, type ToolSet, type ToolSetCache } from './tool-set.js';
import { registerDescribeCrmTool } from './tools/describe-crm.js';


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
  /** One per process: the 2026-07-28 reconnect round on needs_reauth (without it, every client gets the isError result). */
  reauth?: ReauthFlow;
  /** One per process: the account's tool set resolved once per account schema (default: resolved per build). */
  toolSets?: ToolSetCache;
}

export interface CrmMcpServer {
  server: McpServer;
  /** Names of the registered tools, in registration order. */
  tools: string[];
  cleanup(): Promise<void>;
}

/** Lists depend on the caller's account (its integration and schema), so private: never shared caches. */
export const TOOLS_LIST_CACHE_HINT = { ttlMs: 300_000, cacheScope: 'private' } as const;

const KNOWN_NAMES: Record<string, string> = { hubspot: 'HubSpot', salesforce: 'Salesforce' };

export function defaultCrmName(integration: string): string {
  return KNOWN_NAMES[integration] ?? integration.charAt(0).toUpperCase() + integration.slice(1);
}

/** Bounds the size of tool arguments before validation (custom_fields is an open record). */
export const MAX_TOOL_INPUT_ELEMENTS = 2000;

/**
 * What every tool of `account` sees apart from the per-call parts (the account read, the
 * rate-limit sink): shared by the per-request server and the fast path's per-schema tools.
 */
export function toolContext(
  opts: Pick<CreateServerOptions, 'account' | 'engine' | 'deps' | 'reconnectUrl' | 'reauth'>,
  crmName: string,
  { capabilities, offered }: ToolSet,
  schemaFacts: AccountSchemaFacts,
): ToolContext {
  return {
    accountId: opts.account.id,
    engine: opts.engine,
    deps: opts.deps,
    crmName,
    capabilities,
    available: new Set(offered.map((t) => t.name)),
    loadAccount: async () => opts.account,
    ...(opts.reconnectUrl !== undefined ? { reconnectUrl: opts.reconnectUrl } : {}),
    schemaFacts,
    ...(opts.reauth ? { reauth: opts.reauth } : {}),
  };
}

export async function createServer(opts: CreateServerOptions): Promise<CrmMcpServer> {
  const { account, engine } = opts;
  const crmName = opts.crmName ?? defaultCrmName(account.integration);
  const server = new McpServer(
    { ...SERVER_INFO },
    {
      capabilities: structuredClone(SERVER_CAPABILITIES),
      maxToolInputElements: MAX_TOOL_INPUT_ELEMENTS,
      debouncedNotificationMethods: ['notifications/tools/list_changed'],
      instructions: SERVER_INSTRUCTIONS,
      // 2026-07-28: the tool list of an account changes only when its integration or schema does.
      cacheHints: {
        'tools/list': TOOLS_LIST_CACHE_HINT,
        'resources/list': TOOLS_LIST_CACHE_HINT,
        'resources/templates/list': TOOLS_LIST_CACHE_HINT,
        'prompts/list': TOOLS_LIST_CACHE_HINT,
      },
      ...(opts.reauth ? { requestState: { verify: opts.reauth.verifierFor(account.id) } } : {}),
    },
  );
  const toolSet = await (opts.toolSets ? opts.toolSets.get(account) : resolveToolSet(engine, account));
  const schemaFacts = engine.schemaFacts(account);
  const schemaUpdates: NonNullable<ToolContext['schemaUpdates']> = [];
  let schemaIdentity = accountSchemaIdentity(schemaFacts);
  const ctx: ToolContext = {
    ...toolContext(opts, crmName, toolSet, schemaFacts),
    loadAccount: opts.loadAccount ?? (async () => account),
    ...(opts.onRateLimit ? { onRateLimit: opts.onRateLimit } : {}),
    schemaUpdates,
    // An override edit or a discovery changed what the schemas say: re-apply them, tell the session.
    onAccountLoaded(current) {
      const facts = engine.schemaFacts(current);
      const identity = accountSchemaIdentity(facts);
      if (identity === schemaIdentity) return;
      schemaIdentity = identity;
      // Each update re-derives a tool's validator and listed schemas; the notifications are debounced into one.
      for (const update of schemaUpdates) update(facts);
    },
  };
  const tools: string[] = [];
  for (const tool of toolSet.offered) {
    tool.register(server, ctx);
    tools.push(tool.name);
  }
  // Not a unified (resource, method) tool: every account can describe itself.
  registerDescribeCrmTool(server, ctx);
  tools.push('describe_crm');
  return { server, tools, cleanup: () => server.close() };
}
