/**
 * What every tool handler gets. The account is re-read per call (`loadAccount`) so a status
 * change (e.g. → needs_reauth) applies to sessions that are already open.
 */
import type { CallToolResult, StandardSchemaWithJSON } from '@modelcontextprotocol/server';
import type { LinkedAccount } from '../accounts/model.js';
import type { Deps } from '../core/deps.js';
import type { AccountSchemaFacts, Capability, Engine, RateLimitInfo } from '../engine/types.js';
import type { ReauthFlow } from './reauth.js';

export interface ToolContext {
  accountId: string;
  engine: Engine;
  deps: Deps;
  /** The CRM's display name as an LLM should read it: the definition's display_name, as given. */
  crmName: string;
  /** What the account's integration supports (tool descriptions name only these). */
  capabilities: readonly Capability[];
  /** Names of the tools this server registers. */
  available: ReadonlySet<string>;
  /** The current account, or undefined when it no longer exists. */
  loadAccount(): Promise<LinkedAccount | undefined>;
  /** Where a user reconnects a needs_reauth account; `{account}` is replaced by the account id. */
  reconnectUrl?: string;
  /** Told the provider's rate-limit figures after every provider call (the HTTP layer turns them into headers). */
  onRateLimit?: (info: RateLimitInfo) => void;
  /** What this account adds to the shared tool schemas (typed custom fields, known stages), when the server was built. */
  schemaFacts?: AccountSchemaFacts;
  /** Tools register here how to re-apply the account's schemas when its facts change (an override edit, a discovery). */
  schemaUpdates?: Array<(facts: AccountSchemaFacts) => void>;
  /** Told the account each call loaded (and after a discovery): re-applies changed schemas and sends tools/list_changed. */
  onAccountLoaded?: (account: LinkedAccount) => void;
  /** The 2026-07-28 reconnect round for clients that declare URL-mode elicitation (reauth.ts). */
  reauth?: ReauthFlow;
  /**
   * When set, unified tools hand themselves here instead of registering with the server: the
   * HTTP fast path (src/http/fast-call.ts) runs them without an SDK server per request.
   */
  collect?: (tool: CollectedTool) => void;
}

/** A unified tool as registered (the same schemas and run path), callable with a per-call context. */
export interface CollectedTool {
  name: string;
  inputSchema: StandardSchemaWithJSON;
  outputSchema: StandardSchemaWithJSON;
  /** True only for values `outputSchema` accepts (src/mcp/output-accept.ts); otherwise the schema decides. */
  outputAccepts?: (value: unknown) => boolean;
  /** `args` as the input schema returned them; never throws (failures are tool results). */
  run(ctx: ToolContext, args: unknown, signal: AbortSignal): Promise<CallToolResult>;
}
