/**
 * `crm-mcp stdio --account <id>`: one linked account over stdio. stdout carries only MCP
 * protocol; logs go to stderr as JSON lines (redacted), and so does a failure, as one line
 * (`--json` is accepted like everywhere but changes nothing here).
 *
 * The first answer a client gets is a real one: stdin is read from the start (requests wait in
 * a buffer) while the app opens and the account is read; then the SDK server answers them. When
 * the account cannot be served (unknown account, no key, unreachable store), the first request
 * — `initialize`, `server/discover` or any — is answered with a JSON-RPC error carrying the
 * reason (and so is any request that follows while the client keeps the pipe open: a probing
 * client's retry), and the command exits non-zero. The definition and environment override the
 * account is served with are checked when it is read; other definitions on their first use
 * (src/app/definitions.ts). Imports are lazy: other commands, the connect flow and the HTTP client
 * load on first use (and the binary is bundled: scripts/bundle-cli.ts).
 */
import { PassThrough, Writable, type Readable } from 'node:stream';
import type * as SdkStdioModule from '@modelcontextprotocol/server/stdio';
import type { Command } from 'commander';
import type { LinkedAccount } from '../../accounts/model.js';
import type { McpRuntime } from '../../mcp/runtime.js';
import type * as ServerModule from '../../mcp/server.js';
import { answerRequests } from '../../mcp/stdio-early-error.js';
import { trackPendingRequests, type PendingRequests } from '../../mcp/stdio-pending.js';
import type { CommandContext } from '../context.js';
import { EXIT, failure, notFound, toFailure, usageError } from '../exit.js';
import { oneLine } from '../kit.js';

const HELP = `
Serves the unified CRM tools of one linked account over stdio (for Claude Desktop, VS Code, ...)
until stdin closes. stdout carries only MCP protocol, so --json changes nothing here: logs and
failures go to stderr. When the account cannot be served, the client's first request is answered
with a JSON-RPC error carrying the reason, and the exit code is non-zero.`;

/**
 * A failed start answers requests until stdin closes, or: no request came within
 * FIRST_REQUEST_WAIT_MS, or none more within LINGER_MS of the last answer (a probing client's
 * second attempt comes right after the first answer).
 */
const FIRST_REQUEST_WAIT_MS = 5_000;
const LINGER_MS = 1_000;

export function define(stdio: Command, ctx: CommandContext): void {
  stdio
    .option('--account <id>', 'linked account to serve (required)')
    .option('--reconnect-url <url>', 'link shown when the account needs re-authorization ({account} = id; or CRM_MCP_RECONNECT_URL)')
    .addHelpText('after', HELP)
    .action(
      ctx.action(async (cmd) => {
        const v = cmd.opts<{ account?: string; reconnectUrl?: string }>();
        if (!v.account) throw usageError('--account is required');
        const accountId = v.account;
        const { stdin } = ctx.io;
        if (!stdin) throw failure('no_stdin', 'stdio needs a stdin to read the protocol from');
        const pending = trackPendingRequests();
        const stdout = new Writable({
          write(chunk: Buffer | string, _enc, done) {
            pending.written(chunk);
            ctx.io.stdout(chunk.toString());
            done();
          },
        });
        // Requests that arrive while the app opens wait here, in order.
        const input = new PassThrough();
        stdin.on('data', pending.read);
        stdin.pipe(input);
        try {
          // The serving modules load while the store opens (both mostly wait on the disk).
          const serving = Promise.all([import('../../mcp/server.js'), import('@modelcontextprotocol/server/stdio')]);
          serving.catch(() => {});
          let opened: { rt: McpRuntime; account: LinkedAccount };
          try {
            // Only the served integration's expressions are checked (when its account is read).
            const rt = await ctx.mcp(undefined, { deferExpressions: true });
            const account = await rt.accounts.get(accountId);
            if (!account) throw notFound(`account '${accountId}' not found`);
            opened = { rt, account };
          } catch (err) {
            const f = toFailure(err);
            if (!(stdin as { isTTY?: boolean }).isTTY) await answerRequests(input, stdout, { message: oneLine(f.message), reason: f.code }, { firstWaitMs: FIRST_REQUEST_WAIT_MS, lingerMs: LINGER_MS });
            throw f;
          }
          return await serveStdio(opened, await serving, { accountId, reconnectUrl: v.reconnectUrl ?? ctx.io.env.CRM_MCP_RECONNECT_URL }, { stdin: input, stdout, pending });
        } finally {
          // Whatever happened, stop reading so the process can exit.
          stdin.unpipe(input);
          stdin.off('data', pending.read);
          stdin.destroy();
        }
      }),
    );
}

type ServingModules = [typeof ServerModule, typeof SdkStdioModule];

/** Serves until stdin closes. */
async function serveStdio(
  { rt, account }: { rt: McpRuntime; account: LinkedAccount },
  [{ createServer }, { serveStdio: serveEras, StdioServerTransport }]: ServingModules,
  opts: { accountId: string; reconnectUrl?: string | undefined },
  streams: { stdin: Readable; stdout: Writable; pending: PendingRequests },
): Promise<number> {
  const log = rt.deps.logger.child({ transport: 'stdio', account_id: opts.accountId });
  const crmName = rt.crmName(account.integration);
  let tools = 0;
  // The SDK pins one server per connection to the era the client opens with (initialize → 2025,
  // server/discover or an enveloped request → 2026-07-28).
  const toServer = new PassThrough();
  streams.stdin.pipe(toServer, { end: false });
  const handle = serveEras(
    async () => {
      const built = await createServer({
        account,
        engine: rt.engine,
        deps: rt.deps,
        loadAccount: () => rt.accounts.get(opts.accountId),
        ...(crmName ? { crmName } : {}),
        ...(opts.reconnectUrl ? { reconnectUrl: opts.reconnectUrl } : {}),
        ...(rt.reauth ? { reauth: rt.reauth } : {}),
      });
      tools = built.tools.length;
      return built.server;
    },
    { transport: new StdioServerTransport(toServer, streams.stdout), onerror: (err) => log.warn('stdio protocol error', { reason: err.message }) },
  );
  const closed = new Promise<void>((resolve) => {
    // Requests read before stdin ended are answered before the server sees the end (the SDK closes
    // the connection, and abandons what is in flight, when its input ends).
    streams.stdin.once('end', () =>
      void streams.pending.settled().then(() => {
        toServer.end();
        resolve();
      }),
    );
  });
  log.info('serving', { integration: account.integration });
  await closed;
  log.debug('stdin closed', { tools });
  await handle.close();
  return EXIT.ok;
}
