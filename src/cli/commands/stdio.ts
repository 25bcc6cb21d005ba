/**
 * `crm-mcp stdio --account <id>`: one linked account over stdio. stdout carries only MCP
 * protocol; logs go to stderr as JSON lines (redacted), and so does a failure, as one line
 * (`--json` is accepted like everywhere but changes nothing here). Imports are lazy so the
 * spawn → initialize path loads only what it needs.
 */
import { Writable, type Readable } from 'node:stream';
import type { Command } from 'commander';
import type { McpRuntime } from '../../mcp/runtime.js';
import { startFastInit } from '../../mcp/stdio-fast-init.js';
import type { CommandContext } from '../context.js';
import { EXIT, failure, notFound, usageError } from '../exit.js';

const HELP = `
Serves the unified CRM tools of one linked account over stdio (for Claude Desktop, VS Code, ...)
until stdin closes. stdout carries only MCP protocol, so --json changes nothing here: logs and
failures go to stderr.`;

export function define(stdio: Command, ctx: CommandContext): void {
  stdio
    .option('--account <id>', 'linked account to serve (required)')
    .option('--reconnect-url <url>', 'link shown when the account needs re-authorization ({account} = id; or CRM_MCP_RECONNECT_URL)')
    .addHelpText('after', HELP)
    .action(
      ctx.action(async (cmd) => {
        const v = cmd.opts<{ account?: string; reconnectUrl?: string }>();
        if (!v.account) throw usageError('--account is required');
        const { stdin } = ctx.io;
        if (!stdin) throw failure('no_stdin', 'stdio needs a stdin to read the protocol from');
        const stdout = new Writable({
          write(chunk: Buffer | string, _enc, done) {
            ctx.io.stdout(chunk.toString());
            done();
          },
        });
        // Start reading stdin now: `initialize` is answered while the SDK and the runtime load.
        const fast = startFastInit(stdin, stdout);
        try {
          await fast.firstLine(50);
          const rt = await ctx.mcp();
          return await serveStdio(rt, { accountId: v.account, reconnectUrl: v.reconnectUrl ?? ctx.io.env.CRM_MCP_RECONNECT_URL }, { stdin: fast.input, stdout: fast.output, onConnected: fast.ready });
        } finally {
          // Whatever happened, stop reading so the process can exit.
          stdin.destroy();
        }
      }),
    );
}

/** Serves until stdin closes. */
async function serveStdio(
  rt: McpRuntime,
  opts: { accountId: string; reconnectUrl?: string | undefined },
  streams: { stdin: Readable; stdout: Writable; onConnected: () => void },
): Promise<number> {
  const log = rt.deps.logger.child({ transport: 'stdio', account_id: opts.accountId });
  const account = await rt.accounts.get(opts.accountId);
  if (!account) throw notFound(`account '${opts.accountId}' not found`);
  const [{ createServer }, { createReauthFlow }, { serveStdio: serveEras, StdioServerTransport }] = await Promise.all([
    import('../../mcp/server.js'),
    import('../../mcp/reauth.js'),
    import('@modelcontextprotocol/server/stdio'),
  ]);
  const reauth = createReauthFlow(rt.deps);
  const crmName = rt.crmName(account.integration);
  let tools = 0;
  // The SDK pins one server per connection to the era the client opens with (initialize → 2025,
  // server/discover or an enveloped request → 2026-07-28).
  const handle = serveEras(
    async () => {
      const built = await createServer({
        account,
        engine: rt.engine,
        deps: rt.deps,
        loadAccount: () => rt.accounts.get(opts.accountId),
        ...(crmName ? { crmName } : {}),
        ...(opts.reconnectUrl ? { reconnectUrl: opts.reconnectUrl } : {}),
        reauth,
      });
      tools = built.tools.length;
      return built.server;
    },
    { transport: new StdioServerTransport(streams.stdin, streams.stdout), onerror: (err) => log.warn('stdio protocol error', { reason: err.message }) },
  );
  const closed = new Promise<void>((resolve) => {
    streams.stdin.once('end', () => resolve());
    streams.stdin.once('close', () => resolve());
  });
  streams.onConnected();
  log.info('serving', { integration: account.integration });
  await closed;
  log.debug('stdin closed', { tools });
  await handle.close();
  return EXIT.ok;
}
