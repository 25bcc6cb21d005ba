/**
 * The unified tools of an account schema, runnable without an SDK server per call: what the HTTP
 * fast path (src/http/fast-call.ts) runs. Built once per account schema (integration, environment,
 * override, and the schema facts a discovery adds) from the same tool definitions and the same
 * compiled schemas the per-request server registers, and run through the same `runUnifiedCall`.
 * The checks around the handler are the SDK's McpServer ones (argument element bound, input
 * validation, output validation, a thrown handler as an isError result), so a call answered here
 * equals the SDK path's answer. `prepare` declines what it cannot answer identically without the
 * SDK (an unknown tool, describe_crm, arguments the SDK would reject): the caller then uses the
 * SDK path, which gives the SDK's own error.
 */
import { McpServer, type CallToolResult, type StandardSchemaWithJSON } from '@modelcontextprotocol/server';
import type { LinkedAccount } from '../accounts/model.js';
import type { Deps } from '../core/deps.js';
import { boundedMemo } from '../core/bounded-memo.js';
import type { Engine, RateLimitInfo } from '../engine/types.js';
import type { CollectedTool, ToolContext } from './context.js';
import type { ReauthFlow } from './reauth.js';
import { accountSchemaIdentity } from './schemas.js';
import { defaultCrmName, MAX_TOOL_INPUT_ELEMENTS, toolContext } from './server.js';
import { SERVER_INFO } from './server-info.js';
import { schemaKey, type ToolSetCache } from './tool-set.js';

export interface ToolDispatchOptions {
  engine: Engine;
  deps: Deps;
  toolSets: ToolSetCache;
  crmName?: (integration: string) => string | undefined;
  reconnectUrl?: string;
  reauth?: ReauthFlow;
  /** Account schemas kept (oldest first out); default 1000. */
  maxKeys?: number;
}

/** What one call brings: the account as the caller read it and where its rate-limit figures go. */
export interface CallParts {
  account: LinkedAccount;
  onRateLimit(info: RateLimitInfo): void;
  signal: AbortSignal;
}

export interface PreparedCall {
  run(parts: CallParts): Promise<CallToolResult>;
}

export interface ToolDispatch {
  /** `name` with `args` validated as the SDK validates them; undefined when this path does not take the call. */
  prepare(account: LinkedAccount, name: string, args: unknown): Promise<PreparedCall | undefined>;
}

interface SchemaTools {
  ctx: ToolContext;
  tools: ReadonlyMap<string, CollectedTool>;
}

/** As the SDK formats a Standard Schema issue in its validation messages. */
function formatIssue(issue: { message: string; path?: ReadonlyArray<PropertyKey | { key: PropertyKey }> | undefined }): string {
  if (!issue.path?.length) return issue.message;
  return `${issue.path.map((p) => String(typeof p === 'object' ? p.key : p)).join('.')}: ${issue.message}`;
}

/** The SDK's element count of tool arguments (array items and own keys), stopping past `max`. */
function elementCount(value: unknown, max: number): number {
  let count = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    const children = Array.isArray(node) ? node : Object.values(node as Record<string, unknown>);
    for (const child of children) {
      if (++count > max) return count;
      if (child !== null && typeof child === 'object') stack.push(child);
    }
  }
  return count;
}

const toolError = (text: string): CallToolResult => ({ content: [{ type: 'text', text }], isError: true });

async function validate(schema: StandardSchemaWithJSON, value: unknown): Promise<{ ok: true; value: unknown } | { ok: false; error: string }> {
  const r = await schema['~standard'].validate(value);
  if (r.issues && r.issues.length > 0) return { ok: false, error: r.issues.map(formatIssue).join(', ') };
  return { ok: true, value: (r as { value: unknown }).value };
}

export function createToolDispatch(opts: ToolDispatchOptions): ToolDispatch {
  const built = boundedMemo<SchemaTools>(opts.maxKeys ?? 1000);
  // Never served: with `collect` set, unified tools register nothing on it.
  let unused: McpServer | undefined;

  async function build(account: LinkedAccount, facts: ReturnType<Engine['schemaFacts']>): Promise<SchemaTools> {
    const toolSet = await opts.toolSets.get(account);
    const crmName = opts.crmName?.(account.integration) ?? defaultCrmName(account.integration);
    const ctx = toolContext({ ...opts, account }, crmName, toolSet, facts);
    const tools = new Map<string, CollectedTool>();
    unused ??= new McpServer({ ...SERVER_INFO });
    for (const entry of toolSet.offered) entry.register(unused, { ...ctx, collect: (t) => tools.set(t.name, t) });
    return { ctx, tools };
  }

  function schemaTools(account: LinkedAccount): Promise<SchemaTools> {
    const facts = opts.engine.schemaFacts(account);
    return built(`${schemaKey(account)}\u0000${accountSchemaIdentity(facts)}`, () => build(account, facts));
  }

  return {
    async prepare(account, name, args) {
      const { ctx, tools } = await schemaTools(account);
      const tool = tools.get(name);
      if (!tool || elementCount(args, MAX_TOOL_INPUT_ELEMENTS) > MAX_TOOL_INPUT_ELEMENTS) return undefined;
      const input = await validate(tool.inputSchema, args ?? {});
      if (!input.ok) return undefined;
      return {
        async run({ account: read, onRateLimit, signal }) {
          const callCtx: ToolContext = { ...ctx, accountId: read.id, loadAccount: async () => read, onRateLimit };
          let result: CallToolResult;
          try {
            result = await tool.run(callCtx, input.value, signal);
          } catch (err) {
            return toolError(err instanceof Error ? err.message : String(err));
          }
          if (result.isError) return result;
          if (result.structuredContent === undefined) return toolError(`Output validation error: Tool ${name} has an output schema but no structured content was provided`);
          // The quick yes is only ever a yes: anything it does not show valid, the schema checks (and words the error).
          if (tool.outputAccepts?.(result.structuredContent)) return result;
          const output = await validate(tool.outputSchema, result.structuredContent);
          if (!output.ok) return toolError(`Output validation error: Invalid structured content for tool ${name}: ${output.error}`);
          return result;
        },
      };
    },
  };
}
