/** `crm-mcp connect`: the consent flow for a local user, with a loopback callback server. */
import type { Command } from 'commander';
import { createConnectFlow } from '../../connect/flow.js';
import { DEFAULT_LOOPBACK_PORT, runLoopbackConnect } from '../../connect/loopback.js';
import type { CommandContext } from '../context.js';
import { EXIT, failure, usageError } from '../exit.js';
import { out, parseDurationFlag, parsePort } from '../kit.js';
import { maskedAccount } from './accounts/masked.js';

interface ConnectOptions {
  tenant?: string;
  integration?: string;
  account?: string;
  environment?: string;
  port?: string;
  timeout?: string;
}

const HELP = `
Prints the consent URL, listens on http://127.0.0.1:<port>/connect/callback (register it as a
redirect URI of your OAuth app) and waits for the provider's redirect. With --json the URL goes
to stderr, so stdout stays one JSON document.`;

export function define(connect: Command, ctx: CommandContext): void {
  const { io } = ctx;
  connect
    .option('--integration <name>', 'integration to connect (required)')
    .option('--tenant <t>', 'tenant the account belongs to (default local)')
    .option('--account <id>', 're-authorize this existing account (it keeps its id)')
    .option('--environment <env>', 'environment (default production)')
    .option('--port <p>', `loopback callback port (default ${DEFAULT_LOOPBACK_PORT}; 0 = any free port)`)
    .option('--timeout <duration>', 'how long to wait for the callback (default 5m)')
    .addHelpText('after', HELP)
    .action(
      ctx.action(async (cmd) => {
        const v = cmd.opts<ConnectOptions>();
        const json = ctx.globals().json;
        if (!v.integration) throw usageError('--integration is required');
        const port = v.port === undefined ? DEFAULT_LOOPBACK_PORT : parsePort(v.port);
        const timeoutMs = v.timeout ? parseDurationFlag(v.timeout, '--timeout') : 5 * 60e3;
        const rt = await ctx.operator({ create: true });
        const flow = createConnectFlow({ ...rt, ...rt.deps, validator: rt.connectValidator, connectSpec: rt.connectSpec, actor: 'cli-connect' });
        const outcome = await runLoopbackConnect({
          flow,
          target: { tenant_id: v.tenant ?? 'local', integration: v.integration, environment: v.environment ?? 'production', ...(v.account ? { account_id: v.account } : {}) },
          port,
          timeoutMs,
          logger: rt.deps.logger,
          onUrl: (url) => {
            (json ? io.stderr : io.stdout)(`Open this URL to connect ${v.integration}:\n${url}\nWaiting for the callback…\n`);
          },
        });
        if (!outcome.ok) throw failure(outcome.code, outcome.reason);
        out(io, json, { ok: true, reconnected: outcome.reconnected, account: maskedAccount(outcome.account, rt.integration(outcome.account.integration)?.secretContextFields) }, `connected: account ${outcome.account.id} is ${outcome.account.status}`);
        return EXIT.ok;
      }),
    );
}
