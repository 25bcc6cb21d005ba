/**
 * describe_crm: the account's objects and fields as this server maps them and as the CRM itself
 * describes them (discovered live through the definition's `discovery` calls, cached per account for a
 * TTL in the engine; `refresh: true` re-reads). The discovery step before writing: valid stage values,
 * custom fields, picklist options.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { UNIFIED_RESOURCES, type UnifiedResource } from '../../unified/models.js';
import type { ToolContext } from '../context.js';
import { accountStateResult, engineErrorResult, rateLimitHeaders, rateLimitOut, reconnectLink, thrownResult } from '../results.js';
import { ErrorOutput, once, RateLimitOutput } from '../schemas.js';
import { ifAny, sentences } from './describe.js';
import { describeText, objectViews } from './describe-crm-view.js';
import { READ_ONLY } from './unified-tool.js';

const FieldOutput = z.object({
  name: z.string(),
  label: z.string().nullable(),
  type: z.string().describe("The CRM's type (enumeration, picklist, number, …)"),
  options: z.array(z.object({ value: z.string(), label: z.string() })).optional().describe('Allowed values: pass value'),
  custom: z.boolean().optional(),
  read_only: z.boolean().optional(),
});

const DescribeOutput = z.object({
  crm: z.string().optional(),
  objects: z
    .array(
      z.object({
        object: z.string(),
        unified_fields: z.array(z.object({ name: z.string(), type: z.string(), writable: z.boolean() })),
        custom_fields: z.array(z.object({ key: z.string(), field: z.string().optional(), type: z.string().optional(), description: z.string().optional() })),
        properties: z.array(FieldOutput).optional().describe("The CRM's own fields shown (see properties_total)"),
        properties_total: z.number().optional(),
        standard_picklists: z.array(z.string()).optional().describe('Compact view: the CRM\'s standard picklist properties (object or search shows their options)'),
        pipelines: z
          .array(z.object({ id: z.string().nullable(), label: z.string(), stages: z.array(z.object({ id: z.string().describe('The value stage takes'), label: z.string() })) }))
          .optional()
          .describe('Pipelines with their stages in order'),
        error: z.string().optional(),
      }),
    )
    .optional(),
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
        `The objects and fields of this ${ctx.crmName} account: unified fields, the account's custom fields, ${ctx.crmName}'s own properties (type, label, picklist options) and deal pipelines with their stages in order.`,
        `Call it once before writing to learn valid values${ifAny(ctx, ['update_deal', 'create_deal'], (t) => ` (e.g. the stage ${t} accepts)`)}; it is cached, so repeat calls are cheap.`,
        'Compact by default; pass object to list all of one object\'s properties, search to find a property by name or label, refresh: true to re-read the CRM.',
      ),
      inputSchema: once(`describe_crm:input:${objects.join(',')}`, () =>
        z.strictObject({
          object: z.enum(objects as [UnifiedResource, ...UnifiedResource[]]).optional().describe('Only this object, with all its properties'),
          search: z.string().trim().min(1).max(100).optional().describe('Only properties whose name or label contains this text'),
          refresh: z.boolean().optional().describe('Re-read the CRM instead of the cached description'),
        }),
      ),
      outputSchema: DescribeOutput,
      annotations: { title: `Describe this ${ctx.crmName} account`, ...READ_ONLY },
    },
    (async (args: { object?: UnifiedResource; search?: string; refresh?: boolean }, extra: { signal: AbortSignal }): Promise<CallToolResult> => {
      const log = ctx.deps.logger.child({ tool: 'describe_crm', account_id: ctx.accountId });
      try {
        const account = await ctx.loadAccount();
        const blocked = accountStateResult(account, ctx.accountId, ctx.reconnectUrl);
        if (blocked || !account) return blocked ?? thrownResult(undefined);
        const res = await ctx.engine.describe(account, { ...(args.refresh ? { refresh: true } : {}), signal: extra.signal });
        if (res.rate_limit) ctx.onRateLimit?.(res.rate_limit);
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
