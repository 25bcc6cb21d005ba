/** `crm-mcp links create`: a time-bound, single-use connect link for a customer. */
import type { Command } from 'commander';
import { createConnectFlow } from '../../connect/flow.js';
import type { CommandContext } from '../context.js';
import { EXIT, usageError } from '../exit.js';
import { out, parseDurationFlag } from '../kit.js';

interface LinkOptions {
  tenant?: string;
  integration?: string;
  account?: string;
  environment?: string;
  expiresIn?: string;
  baseUrl?: string;
}

export function define(links: Command, ctx: CommandContext): void {
  links
    .command('create')
    .description('print a single-use connect link; the URL carries only a random token (tenant and integration stay server-side)')
    .option('--tenant <t>', 'tenant the account will belong to (required)')
    .option('--integration <name>', 'integration to connect (required)')
    .option('--account <id>', 're-authorize this existing account (it keeps its id)')
    .option('--environment <env>', 'environment (default production)')
    .option('--expires-in <duration>', 'link lifetime, at most 30d (default 24h)')
    .option('--base-url <url>', 'public URL of crm-mcp serve (default CRM_MCP_PUBLIC_URL or publicUrl in the config file)')
    .action(
      ctx.action(async (cmd) => {
        const v = cmd.opts<LinkOptions>();
        if (!v.tenant || !v.integration) throw usageError('--tenant and --integration are required');
        const ttlMs = v.expiresIn ? parseDurationFlag(v.expiresIn, '--expires-in') : undefined;
        if (ttlMs !== undefined && ttlMs > 30 * 86400e3) throw usageError('--expires-in may be at most 30d');
        const rt = await ctx.operator();
        const baseUrl = v.baseUrl ?? rt.publicBaseUrl;
        if (!baseUrl) throw usageError('no public URL: pass --base-url, set CRM_MCP_PUBLIC_URL or publicUrl in the config file (the URL where crm-mcp serve is reachable)');
        try {
          new URL(baseUrl);
        } catch {
          throw usageError(`--base-url '${baseUrl}' is not a URL`);
        }
        const flow = createConnectFlow({ ...rt, ...rt.deps, validator: rt.connectValidator, connectSpec: rt.connectSpec, actor: 'cli' });
        const link = await flow.createLink({
          tenantId: v.tenant,
          integration: v.integration,
          ...(v.environment ? { environment: v.environment } : {}),
          ...(v.account ? { accountId: v.account } : {}),
          ...(ttlMs !== undefined ? { ttlMs } : {}),
          baseUrl,
        });
        out(ctx.io, ctx.globals().json, { ok: true, ...link }, `${link.url}\n\nSingle use; expires ${link.expires_at}.${link.account_id ? ` Reconnects account ${link.account_id}.` : ''}`);
        return EXIT.ok;
      }),
    );
}
