/**
 * `crm-mcp serve --port <p>`: Streamable HTTP. Stateless by default (any replica serves any
 * request); bearer MCP access tokens (`crm-mcp tokens create`) pick the tenant's account per
 * request. `--account <id> --no-auth` serves one account without tokens, loopback only.
 */
import { parseArgs } from 'node:util';
import { openRuntime, RUNTIME_OPTIONS, RUNTIME_USAGE, runtimeFlags, type OpenRuntime } from '../open.js';
import type { CliIo } from '../io.js';

const USAGE = `Usage: crm-mcp serve [--port <p>] [--host <addr>] [--stateful] [--allowed-hosts <h1,h2>] [--sse]
                     [--account <id> --no-auth] [--store <path> | --redis-url <url>] [--config <file>] [--reconnect-url <url>]

  --port <p>             port (default 8080; 0 = any free port)
  --host <addr>          bind address (default 127.0.0.1)
  --stateful             keep MCP sessions in this process (default: stateless)
  --allowed-hosts <list> Host/Origin names accepted (default: localhost, 127.0.0.1, [::1])
  --sse                  answer POSTs as SSE streams instead of plain JSON
  --account <id> --no-auth  serve one account without tokens (refused unless --host is loopback)
  --reconnect-url <url>  link shown when an account needs re-authorization ({account} = id)
${RUNTIME_USAGE}`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  return runWith(argv, io, openRuntime);
}

/** `run` with the runtime opener injected (tests pass an in-memory one). */
export async function runWith(argv: string[], io: CliIo, openRuntime: OpenRuntime, opts: { stop?: AbortSignal } = {}): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string', default: '8080' },
        host: { type: 'string', default: '127.0.0.1' },
        stateful: { type: 'boolean', default: false },
        'allowed-hosts': { type: 'string' },
        sse: { type: 'boolean', default: false },
        account: { type: 'string' },
        'no-auth': { type: 'boolean', default: false },
        ...RUNTIME_OPTIONS,
        'reconnect-url': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    io.stderr(`crm-mcp serve: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    io.stderr(`crm-mcp serve: --port must be 0-65535\n`);
    return 2;
  }
  const { isLoopbackAddress, LOOPBACK_HOSTS } = await import('../../http/host-guard.js');
  if (values['no-auth']) {
    if (!values.account) {
      io.stderr('crm-mcp serve: --no-auth needs --account <id>\n');
      return 2;
    }
    if (!isLoopbackAddress(values.host)) {
      io.stderr(`crm-mcp serve: refusing --no-auth on non-loopback address '${values.host}': bind to 127.0.0.1 or ::1, or use access tokens\n`);
      return 2;
    }
  } else if (values.account) {
    io.stderr('crm-mcp serve: --account is only for --no-auth; with tokens the account comes from the token\n');
    return 2;
  }
  const allowedHosts = values['allowed-hosts']
    ? values['allowed-hosts'].split(',').map((h) => h.trim()).filter(Boolean)
    : [...LOOPBACK_HOSTS];
  if (!values['allowed-hosts'] && !isLoopbackAddress(values.host)) {
    io.stderr(`crm-mcp serve: warning: bound to '${values.host}' but only loopback Host names are accepted; pass --allowed-hosts <your public host name>\n`);
  }

  const rt = await openRuntime(runtimeFlags(values), io);
  if (values['no-auth'] && !(await rt.accounts.get(values.account!))) {
    io.stderr(`crm-mcp serve: account '${values.account}' not found\n`);
    await rt.close();
    return 3;
  }
  const reconnectUrl = values['reconnect-url'] ?? io.env.CRM_MCP_RECONNECT_URL;
  const { serveHttp } = await import('../../app/serve-http.js');
  const serving = await serveHttp(rt, {
    port,
    host: values.host,
    ...(values['no-auth'] ? { noAuthAccountId: values.account! } : {}),
    allowedHosts,
    stateful: values.stateful,
    jsonResponse: !values.sse,
    ...(reconnectUrl ? { reconnectUrl } : {}),
  });
  const srv = serving.http;
  // One machine-readable line on stdout so scripts and tests can find the port.
  io.stdout(`${JSON.stringify({ listening: `${srv.url}/mcp`, mode: values.stateful ? 'stateful' : 'stateless', auth: values['no-auth'] ? 'none' : 'tokens' })}\n`);
  rt.deps.logger.info('listening', { url: srv.url, stateful: values.stateful, allowed_hosts: allowedHosts });
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (opts.stop?.aborted) stop();
    opts.stop?.addEventListener('abort', stop, { once: true });
  });
  await serving.close();
  await rt.close();
  return 0;
}
