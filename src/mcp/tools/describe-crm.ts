/**
 * describe_crm: the account's objects and fields as this server maps them and as the CRM itself
 * describes them (discovered live through the definition's `discovery` calls, cached per account for a
 * TTL in the engine; `refresh: true` re-reads). The discovery step before writing: valid stage values,
 * custom fields, picklist options.
 */
import type { CallToolResult, McpServer, ServerContext } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { UNIFIED_RESOURCES, type UnifiedResource } from '../../unified/models.js';
import type { ToolContext } from '../context.js';
import { accountStateResult, engineErrorResult, rateLimitHeaders, rateLimitOut, reconnectLink, thrownResult } from '../results.js';
import { compiledSchema } from '../compiled-schema.js';
import { tokenRefreshedNotice } from '../notices.js';
import { ErrorOutput, once, portable, RateLimitOutput } from '../schemas.js';
import { ifAny, sentences } from './describe.js';
import { describeText, objectViews } from './describe-crm-view.js';
import { READ_ONLY } from './unified-tool.js';

/** One object as describe-crm-view.ts builds it; its members are documented in the text answer and below. */
const ObjectOutput = z.object({ object: z.string() }).catchall(z.unknown()).meta({ additionalProperties: undefined });

/*
 * Small on purpose (every client reads tools/list): per object `unified_fields`, `custom_fields`,
 * `properties` (the CRM's own: name, label, type, options), `pipelines` ({id, label, stages: [{id,
 * label}]}, a stage id is what `stage` takes) and `error` when that object's discovery failed.
 */
const DescribeOutput = z.object({
  crm: z.string().optional(),
  objects: z.array(ObjectOutput).optional(),
  fetched_at: z.string().optional(),
  cached: z.boolean().optional(),
  rate_limit: RateLimitOutput,
  error: ErrorOutput.optional(),
});

const WRITE_TOOLS: Record<string, UnifiedResource> = { create_contact: 'contacts', update_contact: 'contacts', create_deal: 'deals', update_deal: 'deals', log_note: 'notes' };

export function registerDescribeCrmTool(server: McpServer, ctx: ToolContext): void {
  const objects = UNIFIED_RESOURCES.filter((r) => ctx.capabilities.some((c) => c.resource === r));
  const writable = new Set(Object.entries(WRITE_TOOLS).filter(([t]) => ctx.available.has(t)).map(([, r]) => r));
  server.registerTool(
    'describe_crm',
    {
      title: `Describe this ${ctx.crmName} account`,
      description: sentences(
        `This ${ctx.crmName} account's objects and fields: unified fields, custom fields, ${ctx.crmName}'s own properties with picklist options, and deal pipelines with their stages in order.`,
        `Call it before writing to learn valid values${ifAny(ctx, ['update_deal', 'create_deal'], (t) => ` (the stage ${t} accepts)`)}; cached, so repeat calls are cheap.`,
        'object narrows to one object with all its properties, search finds a property, refresh re-reads.',
      ),
      inputSchema: compiledSchema(
        portable(
          once(`describe_crm:input:${objects.join(',')}`, () =>
            z.strictObject({
              object: z.enum(objects as [UnifiedResource, ...UnifiedResource[]]).optional(),
              search: z.string().trim().min(1).max(100).optional().describe('Properties whose name or label contains this'),
              refresh: z.boolean().optional(),
            }),
          ),
        ),
      ),
      outputSchema: compiledSchema(portable(DescribeOutput)),
      annotations: READ_ONLY,
    },
    (async (args: { object?: UnifiedResource; search?: string; refresh?: boolean }, call: ServerContext): Promise<CallToolResult> => {
      const log = ctx.deps.logger.child({ tool: 'describe_crm', account_id: ctx.accountId });
      try {
        const account = await ctx.loadAccount();
        const blocked = accountStateResult(account, ctx.accountId, ctx.reconnectUrl);
        if (blocked || !account) return blocked ?? thrownResult(undefined);
        const res = await ctx.engine.describe(account, { ...(args.refresh ? { refresh: true } : {}), signal: call.mcpReq.signal });
        if (res.rate_limit) ctx.onRateLimit?.(res.rate_limit);
        if (res.ok && res.token_refreshed) tokenRefreshedNotice(call, ctx.accountId, 'describe_crm');
        log.info('tool call', { ok: res.ok, provider_requests: res.provider_requests });
        if (!res.ok) return engineErrorResult(res, reconnectLink(ctx.reconnectUrl, ctx.accountId));
        // A fresh discovery may know stages or field types the schemas did not: they follow.
        ctx.onAccountLoaded?.(account);
        const opts = { ...(args.object ? { object: args.object } : {}), ...(args.search ? { search: args.search } : {}), writable };
        const views = objectViews(res.data, opts);
        const structured = { crm: ctx.crmName, objects: views, fetched_at: res.data.fetched_at, cached: res.cached, rate_limit: rateLimitOut(res.rate_limit) };
        return {
          content: [{ type: 'text', text: describeText(ctx.crmName, res.data, views, { ...opts, cached: res.cached }) }],
          structuredContent: structured,
          _meta: { ...rateLimitHeaders(res.rate_limit) },
        };
      } catch (err) {
        log.error('tool call failed', { err });
        return thrownResult(err, ctx.reconnectUrl, ctx.accountId);
      }
    }) as never,
  );
}
