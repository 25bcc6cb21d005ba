/** `crm-mcp links create`: a time-bound, single-use connect link for a customer. */
import type { CliIo } from '../../cli/io.js';
import { createConnectFlow } from '../flow.js';
import type { OpenOperatorRuntime } from '../../cli/open.js';
import { EXIT, EXIT_CODES_DOC, flagsOf, out, parse, parseDurationFlag, runCommand, STORE_FLAGS_DOC, usageError } from './kit.js';

export const LINKS_USAGE = `Usage:
  crm-mcp links create --tenant <t> --integration <name> [--account <id>] [--environment <env>]
                       [--expires-in 24h] [--base-url <public url of serve>] [--json]
  --account re-authorizes an existing account (it keeps its id). The URL carries only a random
  token; the tenant and integration stay server-side.
${STORE_FLAGS_DOC}
${EXIT_CODES_DOC}
`;

const OPTIONS = {
  tenant: { type: 'string' },
  integration: { type: 'string' },
  account: { type: 'string' },
  environment: { type: 'string' },
  'expires-in': { type: 'string' },
  'base-url': { type: 'string' },
} as const;

export async function runLinks(argv: string[], io: CliIo, open: OpenOperatorRuntime): Promise<number> {
  const [sub, ...rest] = argv;
  let values: ReturnType<typeof parse<typeof OPTIONS>>['values'] | undefined;
  return runCommand(
    'links',
    io,
    () => Boolean(values?.json) || rest.includes('--json'),
    LINKS_USAGE,
    async ({ runtime }) => {
      if (!sub || sub === '--help' || sub === '-h' || sub === 'help') {
        io.stdout(LINKS_USAGE);
        return sub ? EXIT.ok : EXIT.usage;
      }
      const parsed = parse(rest, OPTIONS);
      values = parsed.values;
      const v = values;
      if (v.help) {
        io.stdout(LINKS_USAGE);
        return EXIT.ok;
      }
      if (sub !== 'create') throw usageError(`unknown subcommand '${sub}'`);
      if (parsed.positionals.length > 0) throw usageError('create takes no positional arguments');
      if (!v.tenant || !v.integration) throw usageError('--tenant and --integration are required');
      const ttlMs = v['expires-in'] ? parseDurationFlag(v['expires-in'], '--expires-in') : undefined;
      if (ttlMs !== undefined && ttlMs > 30 * 86400e3) throw usageError('--expires-in may be at most 30d');
      const rt = await runtime();
      const baseUrl = v['base-url'] ?? rt.publicBaseUrl;
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
      out(io, v.json, { ok: true, ...link }, `${link.url}\n\nSingle use; expires ${link.expires_at}.${link.account_id ? ` Reconnects account ${link.account_id}.` : ''}`);
      return EXIT.ok;
    },
    open,
    () => flagsOf(values ?? {}),
  );
}
