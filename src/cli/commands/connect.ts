/** `crm-mcp connect`: the consent flow for a local user, with a loopback callback server. */
import type { CliIo } from '../../cli/io.js';
import { createConnectFlow } from '../flow.js';
import { DEFAULT_LOOPBACK_PORT, runLoopbackConnect } from '../loopback.js';
import type { OpenOperatorRuntime } from '../../cli/open.js';
import { EXIT, EXIT_CODES_DOC, failure, flagsOf, out, parse, parseDurationFlag, runCommand, STORE_FLAGS_DOC, usageError } from './kit.js';
import { maskedAccount } from './accounts.js';

export const CONNECT_USAGE = `Usage:
  crm-mcp connect --integration <name> [--tenant local] [--account <id>] [--environment <env>]
                  [--port ${DEFAULT_LOOPBACK_PORT}] [--timeout 5m] [--json]
  Prints the consent URL, listens on http://127.0.0.1:<port>/connect/callback (register it as a
  redirect URI of your OAuth app) and waits for the provider's redirect.
${STORE_FLAGS_DOC}
${EXIT_CODES_DOC}
`;

const OPTIONS = {
  tenant: { type: 'string' },
  integration: { type: 'string' },
  account: { type: 'string' },
  environment: { type: 'string' },
  port: { type: 'string' },
  timeout: { type: 'string' },
} as const;

export async function runConnect(argv: string[], io: CliIo, open: OpenOperatorRuntime): Promise<number> {
  let values: ReturnType<typeof parse<typeof OPTIONS>>['values'] | undefined;
  return runCommand(
    'connect',
    io,
    () => Boolean(values?.json) || argv.includes('--json'),
    CONNECT_USAGE,
    async ({ runtime }) => {
      const parsed = parse(argv, OPTIONS);
      values = parsed.values;
      const v = values;
      if (v.help) {
        io.stdout(CONNECT_USAGE);
        return EXIT.ok;
      }
      if (parsed.positionals.length > 0) throw usageError('connect takes no positional arguments');
      if (!v.integration) throw usageError('--integration is required');
      const port = v.port === undefined ? DEFAULT_LOOPBACK_PORT : Number(v.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw usageError('--port must be 0–65535');
      const timeoutMs = v.timeout ? parseDurationFlag(v.timeout, '--timeout') : 5 * 60e3;
      const rt = await runtime();
      const flow = createConnectFlow({ ...rt, ...rt.deps, validator: rt.connectValidator, connectSpec: rt.connectSpec, actor: 'cli-connect' });
      const outcome = await runLoopbackConnect({
        flow,
        target: { tenant_id: v.tenant ?? 'local', integration: v.integration, environment: v.environment ?? 'production', ...(v.account ? { account_id: v.account } : {}) },
        port,
        timeoutMs,
        logger: rt.deps.logger,
        onUrl: (url) => {
          // The URL goes to stderr in --json mode so stdout stays one JSON document.
          (v.json ? io.stderr : io.stdout)(`Open this URL to connect ${v.integration}:\n${url}\nWaiting for the callback…\n`);
        },
      });
      if (!outcome.ok) throw failure(outcome.code, outcome.reason);
      out(io, v.json, { ok: true, reconnected: outcome.reconnected, account: maskedAccount(outcome.account, rt.integration(outcome.account.integration)?.secretContextFields) }, `connected: account ${outcome.account.id} is ${outcome.account.status}`);
      return EXIT.ok;
    },
    open,
    () => flagsOf(values ?? {}),
  );
}
