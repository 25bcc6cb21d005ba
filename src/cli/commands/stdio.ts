/**
 * `crm-mcp stdio --account <id>`: one linked account over stdio. stdout carries only MCP
 * protocol; logs go to stderr as JSON lines (redacted). Imports are lazy so the spawn →
 * initialize path loads only what it needs.
 */
import type { Readable, Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import type { McpRuntime } from '../../mcp/runtime.js';
import { openRuntime, RUNTIME_OPTIONS, RUNTIME_USAGE, runtimeFlags, type OpenRuntime } from '../open.js';
import { startFastInit } from '../../mcp/stdio-fast-init.js';
import type { CliIo } from '../io.js';

const USAGE = `Usage: crm-mcp stdio --account <id> [--store <path> | --redis-url <url>] [--keys-file <path>] [--reconnect-url <url>] [--log-level <level>]

Serves the unified CRM tools of one linked account over stdio (for Claude Desktop, VS Code, ...).
  --account <id>         linked account to serve (required)
  --reconnect-url <url>  link shown when the account needs re-authorization ({account} = id)
${RUNTIME_USAGE}`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  return runWith(argv, io, openRuntime);
}

/** `run` with the runtime opener injected (tests pass an in-memory one). */
export async function runWith(argv: string[], io: CliIo, openRuntime: OpenRuntime): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        account: { type: 'string' },
        ...RUNTIME_OPTIONS,
        'reconnect-url': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    io.stderr(`crm-mcp stdio: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  if (!values.account) {
    io.stderr(`crm-mcp stdio: --account is required\n${USAGE}`);
    return 2;
  }
  // Start reading stdin now: `initialize` is answered while the SDK and the runtime load.
  const fast = startFastInit(process.stdin, process.stdout);
  try {
    await fast.firstLine(50);
    const rt = await openRuntime(runtimeFlags(values), io);
    return await serveStdio(rt, { accountId: values.account, reconnectUrl: values['reconnect-url'] ?? io.env.CRM_MCP_RECONNECT_URL }, io, {
      stdin: fast.input,
      stdout: fast.output,
      onConnected: fast.ready,
    });
  } finally {
    // Whatever happened, stop reading so the process can exit.
    process.stdin.destroy();
  }
}

/** Serves until stdin closes. Exported so tests can run it in-process on stream pairs. */
export async function serveStdio(
  rt: McpRuntime,
  opts: { accountId: string; reconnectUrl?: string | undefined },
  io: CliIo,
  streams: { stdin?: NodeJS.ReadableStream; stdout?: NodeJS.WritableStream; onConnected?: () => void } = {},
): Promise<number> {
  const log = rt.deps.logger.child({ transport: 'stdio', account_id: opts.accountId });
  const account = await rt.accounts.get(opts.accountId);
  if (!account) {
    io.stderr(`crm-mcp stdio: account '${opts.accountId}' not found\n`);
    await rt.close();
    return 3;
  }
  const [{ createServer }, { StdioServerTransport }] = await Promise.all([
    import('../../mcp/server.js'),
    import('@modelcontextprotocol/sdk/server/stdio.js'),
  ]);
  const crmName = rt.crmName(account.integration);
  const built = await createServer({
    account,
    engine: rt.engine,
    deps: rt.deps,
    loadAccount: () => rt.accounts.get(opts.accountId),
    ...(crmName ? { crmName } : {}),
    ...(opts.reconnectUrl ? { reconnectUrl: opts.reconnectUrl } : {}),
  });
  const transport = new StdioServerTransport(
    (streams.stdin ?? process.stdin) as Readable,
    (streams.stdout ?? process.stdout) as Writable,
  );
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    (streams.stdin ?? process.stdin).once('end', () => resolve());
  });
  await built.server.connect(transport);
  streams.onConnected?.();
  log.info('serving', { integration: account.integration, tools: built.tools.length });
  await closed;
  await built.cleanup();
  await rt.close();
  return 0;
}
