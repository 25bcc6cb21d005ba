/**
 * `crm-mcp serve`: Streamable HTTP. Stateless by default (any replica serves any request);
 * bearer MCP access tokens (`crm-mcp tokens create`) pick the tenant's account per request.
 * `--account <id> --no-auth` serves one account without tokens, loopback only.
 * A port it cannot listen on is a failure (exit 1, one line naming the address) on every store
 * backend; after SIGINT/SIGTERM it closes and the process ends within 2 s (program.ts).
 */
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { EXIT, failure, notFound, usageError } from '../exit.js';
import { parseDurationFlag, parsePort } from '../kit.js';

interface ServeOptions {
  port: string;
  host: string;
  stateful: boolean;
  allowedHosts?: string;
  sse: boolean;
  account?: string;
  /** False with --no-auth. */
  auth: boolean;
  reconnectUrl?: string;
  sessionIdle?: string;
  maxSessions?: string;
  maxSessionsPerToken?: string;
  requestTimeout?: string;
}

function positiveInt(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isInteger(n) || n < 1) throw usageError(`${flag} must be a positive integer`);
  return n;
}

const HELP = `
Prints one JSON line {"listening":"<url>/mcp","mode","auth"} on stdout once listening (with or
without --json), logs on stderr, and serves until SIGINT/SIGTERM.`;

export function define(serve: Command, ctx: CommandContext): void {
  const { io } = ctx;
  serve
    .option('--port <p>', 'port (0 = any free port)', '8080')
    .option('--host <addr>', 'bind address', '127.0.0.1')
    .option('--stateful', 'keep MCP sessions in this process (default: stateless)', false)
    .option('--allowed-hosts <h1,h2>', 'Host/Origin names accepted (default: localhost, 127.0.0.1, [::1])')
    .option('--sse', 'answer POSTs as SSE streams instead of plain JSON', false)
    .option('--account <id>', 'with --no-auth: the one account to serve')
    .option('--no-auth', 'serve --account without access tokens (refused unless --host is loopback)')
    .option('--reconnect-url <url>', 'link shown when an account needs re-authorization ({account} = id; or CRM_MCP_RECONNECT_URL)')
    .option('--session-idle <duration>', 'with --stateful: close a session unused this long (default 30m)')
    .option('--max-sessions <n>', 'with --stateful: sessions this process holds; more are refused with 503 (default 1000)')
    .option('--max-sessions-per-token <n>', "with --stateful: sessions one access token holds; one more closes its least recently used (default 16)")
    .option('--request-timeout <duration>', 'time a client has to send a whole request (default 30s; headers: 10s or less)')
    .addHelpText('after', HELP)
    .action(
      ctx.action(async (cmd) => {
        const v = cmd.opts<ServeOptions>();
        const port = parsePort(v.port);
        const sessionIdleMs = v.sessionIdle ? parseDurationFlag(v.sessionIdle, '--session-idle') : undefined;
        const maxSessions = positiveInt(v.maxSessions, '--max-sessions');
        const maxSessionsPerPrincipal = positiveInt(v.maxSessionsPerToken, '--max-sessions-per-token');
        const requestTimeoutMs = v.requestTimeout ? parseDurationFlag(v.requestTimeout, '--request-timeout') : undefined;
        const { isLoopbackAddress, LOOPBACK_HOSTS } = await import('../../http/host-guard.js');
        let noAuthAccountId: string | undefined;
        if (!v.auth) {
          if (!v.account) throw usageError('--no-auth needs --account <id>');
          if (!isLoopbackAddress(v.host)) throw usageError(`refusing --no-auth on non-loopback address '${v.host}': bind to 127.0.0.1 or ::1, or use access tokens`);
          noAuthAccountId = v.account;
        } else if (v.account) {
          throw usageError('--account is only for --no-auth; with tokens the account comes from the token');
        }
        const allowedHosts = v.allowedHosts
          ? v.allowedHosts
              .split(',')
              .map((h) => h.trim())
              .filter(Boolean)
          : [...LOOPBACK_HOSTS];
        if (!v.allowedHosts && !isLoopbackAddress(v.host)) {
          io.stderr(`crm-mcp serve: warning: bound to '${v.host}' but only loopback Host names are accepted; pass --allowed-hosts <your public host name>\n`);
        }

        const rt = await ctx.mcp();
        if (noAuthAccountId && !(await rt.accounts.get(noAuthAccountId))) throw notFound(`account '${noAuthAccountId}' not found`);
        const reconnectUrl = v.reconnectUrl ?? io.env.CRM_MCP_RECONNECT_URL;
        const { serveHttp } = await import('../../app/serve-http.js');
        const serving = await serveHttp(rt, {
          port,
          host: v.host,
          ...(noAuthAccountId ? { noAuthAccountId } : {}),
          allowedHosts,
          stateful: v.stateful,
          jsonResponse: !v.sse,
          ...(reconnectUrl ? { reconnectUrl } : {}),
          ...(sessionIdleMs !== undefined ? { sessionIdleMs } : {}),
          ...(maxSessions !== undefined ? { maxSessions } : {}),
          ...(maxSessionsPerPrincipal !== undefined ? { maxSessionsPerPrincipal } : {}),
          ...(requestTimeoutMs !== undefined ? { requestTimeoutMs } : {}),
        }).catch((err: unknown) => {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') throw failure('listen_failed', `cannot listen on ${v.host}:${port}: ${(err as Error).message}`);
          throw err;
        });
        const srv = serving.http;
        // One machine-readable line on stdout so scripts and tests can find the port.
        io.stdout(`${JSON.stringify({ listening: `${srv.url}/mcp`, mode: v.stateful ? 'stateful' : 'stateless', auth: noAuthAccountId ? 'none' : 'tokens' })}\n`);
        rt.deps.logger.info('listening', { url: srv.url, stateful: v.stateful, allowed_hosts: allowedHosts });
        await ctx.stopped();
        await serving.close();
        return EXIT.ok;
      }),
    );
}
