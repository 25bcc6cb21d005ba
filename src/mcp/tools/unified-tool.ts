/**
 * Shared machinery behind every unified CRM tool: each tool file declares its name,
 * description, schemas and annotations and how arguments become an EngineRequest; this
 * registers it and runs the call (account state check → engine → results.ts).
 */
import type { CallToolResult, McpServer, ServerContext, ToolAnnotations } from '@modelcontextprotocol/server';
import type { z } from 'zod';
import type { LinkedAccount } from '../../accounts/model.js';
import type { EngineRequest } from '../../engine/types.js';
import type { UnifiedMethod, UnifiedResource } from '../../unified/models.js';
import type { ToolContext } from '../context.js';
import { compiledSchema } from '../compiled-schema.js';
import { notice, rateLimitLow, tokenRefreshedNotice } from '../notices.js';
import { wantsUrlElicitation } from '../reauth.js';
import { accountStateResult, engineErrorResult, reconnectLink, successResult, thrownResult, type ResponseFormat, type ResultShape } from '../results.js';
import { outputAcceptor } from '../output-accept.js';
import { accountInputSchema, accountOutputSchema, portable } from '../schemas.js';

export interface UnifiedToolSpec<I extends z.ZodObject> {
  name: string;
  title: string;
  description: string;
  resource: UnifiedResource;
  method: UnifiedMethod;
  inputSchema: I;
  outputSchema: z.ZodObject;
  annotations: ToolAnnotations;
  /** Arguments (already validated by the SDK) → the engine request, minus the account; and how the result text is shaped. */
  toRequest(args: z.infer<I>): ToolRequest;
}

export type ToolRequest = Omit<EngineRequest, 'account' | 'resource' | 'method' | 'signal'> & { responseFormat?: ResponseFormat };

export const READ_ONLY: ToolAnnotations = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true };
export const CREATES: ToolAnnotations = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true };
export const UPDATES: ToolAnnotations = { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true };

const NOUNS: Record<UnifiedResource, [string, string]> = {
  contacts: ['contact', 'contacts'],
  companies: ['company', 'companies'],
  deals: ['deal', 'deals'],
  notes: ['note', 'notes'],
};

export function shapeFor(resource: UnifiedResource, method: UnifiedMethod, crmName: string): ResultShape {
  const [singular, plural] = NOUNS[resource];
  return { kind: method === 'list' || method === 'search' ? 'list' : 'record', singular, plural, crmName };
}

/** Common list/get argument handling: paging, field selection, remote data. */
export function readOptions(args: { limit?: number; cursor?: string; fields?: string[]; include_remote_data?: boolean; response_format?: ResponseFormat }) {
  return {
    ...(args.response_format !== undefined ? { responseFormat: args.response_format } : {}),
    ...(args.limit !== undefined ? { limit: args.limit } : {}),
    ...(args.cursor !== undefined ? { cursor: args.cursor } : {}),
    ...(args.fields !== undefined ? { fields: args.fields } : {}),
    ...(args.include_remote_data ? { includeRemoteData: true } : {}),
  };
}

/** Splits write arguments into the unified payload and the call's controls. */
export function writeRequest(args: Record<string, unknown>): ToolRequest {
  const { id, include_remote_data, idempotency_key, dry_run, ...input } = args;
  return {
    ...(typeof id === 'string' ? { id } : {}),
    input,
    ...(include_remote_data === true ? { includeRemoteData: true } : {}),
    ...(typeof idempotency_key === 'string' ? { idempotencyKey: idempotency_key } : {}),
    ...(dry_run === true ? { dryRun: true } : {}),
  };
}

export async function runUnifiedCall(
  ctx: ToolContext,
  spec: Pick<UnifiedToolSpec<z.ZodObject>, 'name' | 'resource' | 'method'>,
  { responseFormat, ...req }: ToolRequest & Pick<EngineRequest, 'signal'>,
  call?: ServerContext,
): Promise<CallToolResult> {
  const accountId = ctx.accountId;
  const log = ctx.deps.logger.child({ tool: spec.name, account_id: accountId });
  let account: LinkedAccount | undefined;
  try {
    account = await ctx.loadAccount();
    // First round of a 2026-07-28 call that can show a link: ask for the reconnection in-band. A
    // retry (verified requestState) that still finds needs_reauth gets the isError result below.
    const link = reconnectLink(ctx.reconnectUrl, accountId);
    if (account?.status === 'needs_reauth' && ctx.reauth && link && call && wantsUrlElicitation(call) && call.mcpReq.requestState() === undefined) {
      log.info('tool call answered with a reconnect round', { status: account.status });
      return await ctx.reauth.ask(call, accountId, spec.name, link, ctx.crmName);
    }
    const blocked = accountStateResult(account, accountId, ctx.reconnectUrl);
    if (blocked || !account) {
      log.info('tool call refused by account state', { status: account?.status ?? 'missing' });
      if (account?.status === 'needs_reauth') notice(call, 'error', { event: 'needs_reauth', account_id: accountId, tool: spec.name, ...(link ? { reconnect_url: link } : {}) });
      return blocked ?? thrownResult(undefined);
    }
    ctx.onAccountLoaded?.(account);
    const res = await ctx.engine.execute({ ...req, account, resource: spec.resource, method: spec.method });
    if (res.rate_limit) ctx.onRateLimit?.(res.rate_limit);
    if (res.token_refreshed) tokenRefreshedNotice(call, accountId, spec.name);
    if (rateLimitLow(res.rate_limit)) notice(call, 'warning', { event: 'rate_limit_low', account_id: accountId, tool: spec.name, limit: res.rate_limit!.limit, remaining: res.rate_limit!.remaining });
    if (!res.ok && res.error.code === 'needs_reauth') notice(call, 'error', { event: 'needs_reauth', account_id: accountId, tool: spec.name, ...(link ? { reconnect_url: link } : {}) });
    log.info('tool call', { ok: res.ok, code: res.ok ? undefined : res.error.code, provider_requests: res.provider_requests });
    if (!res.ok) return engineErrorResult(res, link);
    return successResult(shapeFor(spec.resource, spec.method, ctx.crmName), res, responseFormat);
  } catch (err) {
    log.error('tool call failed', { err });
    return thrownResult(err, ctx.reconnectUrl, accountId);
  }
}

export function registerUnifiedTool<I extends z.ZodObject>(server: McpServer, ctx: ToolContext, spec: UnifiedToolSpec<I>): void {
  const inputSchema = compiledSchema(portable(accountInputSchema(spec.name, spec.inputSchema, spec.resource, ctx.schemaFacts)));
  const output = portable(accountOutputSchema(spec.name, spec.outputSchema, spec.resource, ctx.schemaFacts));
  const outputSchema = compiledSchema(output);
  if (ctx.collect) {
    const outputAccepts = outputAcceptor(output);
    ctx.collect({ name: spec.name, inputSchema, outputSchema, ...(outputAccepts ? { outputAccepts } : {}), run: (c, args, signal) => runUnifiedCall(c, spec, { ...spec.toRequest(args as z.infer<I>), signal }) });
    return;
  }
  const handle = server.registerTool(
    spec.name,
    {
      title: spec.title,
      description: spec.description,
      inputSchema,
      outputSchema,
      // The tool's own title is the one clients show (annotations.title only predates it).
      annotations: spec.annotations,
    },
    (async (args: z.infer<I>, call: ServerContext) =>
      runUnifiedCall(ctx, spec, { ...spec.toRequest(args), signal: call.mcpReq.signal }, call)) as never,
  );
  // update() re-derives the argument validator and the listed schemas (and notifies tools/list_changed).
  ctx.schemaUpdates?.push((facts) =>
    handle.update({
      paramsSchema: compiledSchema(portable(accountInputSchema(spec.name, spec.inputSchema, spec.resource, facts))),
      outputSchema: compiledSchema(portable(accountOutputSchema(spec.name, spec.outputSchema, spec.resource, facts))),
    }),
  );
}
