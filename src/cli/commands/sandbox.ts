/**
 * `crm-mcp sandbox [--port <p>] [--hubspot-port <p>] [--salesforce-port <p>]`: the sandbox CRMs
 * as long-running local services (src/demo/sandbox.ts) and, with absolute paths, the client
 * configurations that reach them: Claude Desktop, VS Code, `claude mcp add`, the MCP Inspector
 * (stdio and HTTP). Runs until SIGINT/SIGTERM; with --json the configurations are one JSON line.
 */
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import {
  claudeCodeCommand, claudeDesktopConfig, inspectorHttpCommand, inspectorStdioCommand, vscodeConfig,
} from '../../demo/client-configs.js';
import type { SandboxRun } from '../../demo/sandbox.js';
import { defaultSandboxDir } from '../../demo/sandbox-state.js';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit.js';
import { parsePort } from '../kit.js';

const HELP = `
Starts the sandbox HubSpot and Salesforce (faithful fake providers on 127.0.0.1) and keeps them
running, with a data directory of their own (--data-dir; default under your user data directory):
the encrypted store and its key file, config.json (points crm-mcp at the sandboxes) and
sandbox.json (the ports). The first start seeds one linked account per sandbox CRM
(sandbox-hubspot, sandbox-salesforce); later starts keep them and reuse the ports, so configs
printed once keep working. It prints ready-to-paste configs with absolute paths for Claude Desktop,
VS Code, Claude Code and the MCP Inspector, and serves MCP over Streamable HTTP with one bearer
token per account (new at every start). The sandbox's CRM records are re-seeded at every start.
It ignores --config, --store, --redis-url and --keys-file: the sandbox keeps everything in its data
directory. --log-level applies (default warn). Ctrl-C stops it; clients fail to reach the CRMs
until it runs again.`;

export function define(sandbox: Command, ctx: CommandContext): void {
  const { io } = ctx;
  sandbox
    .option('--port <p>', 'MCP (Streamable HTTP) port (default the recorded one, else any free port)')
    .option('--hubspot-port <p>', 'sandbox HubSpot port (default the recorded one, else any free port)')
    .option('--salesforce-port <p>', 'sandbox Salesforce port (default the recorded one, else any free port)')
    .addHelpText('after', HELP)
    .action(
      ctx.action(async (cmd) => {
        const v = cmd.opts<{ port?: string; hubspotPort?: string; salesforcePort?: string }>();
        const g = ctx.globals();
        const port = (s: string | undefined) => (s === undefined ? undefined : parsePort(s));
        const run = await ctx.runSandbox({
          dataDir: g.dataDir ? resolve(g.dataDir) : defaultSandboxDir(io.env, process.platform, homedir()),
          ports: { mcp: port(v.port), hubspot: port(v.hubspotPort), salesforce: port(v.salesforcePort) },
          logLevel: g.logLevel ?? 'warn',
          stderr: io.stderr,
          launcher: { command: process.execPath, args: [fileURLToPath(new URL('../main.js', import.meta.url))] },
        });
        try {
          io.stdout(g.json ? JSON.stringify(summary(run)) + '\n' : narration(run).join('\n') + '\n');
          await ctx.stopped();
        } finally {
          await run.close();
        }
        return EXIT.ok;
      }),
    );
}

function summary(run: SandboxRun) {
  const servers = run.accounts.map((a) => a.launch);
  return {
    ok: true,
    data_dir: run.dataDir,
    config_file: run.configFile,
    urls: { hubspot: run.hubspotUrl, salesforce: run.salesforceUrl, mcp: run.mcpUrl },
    accounts: run.accounts.map((a) => ({ id: a.account.id, integration: a.integration, crm: a.crm, status: a.account.status, origin: a.origin, mcp_token: a.mcpToken })),
    claude_desktop: claudeDesktopConfig(servers),
    vscode: vscodeConfig(servers),
    claude_code: servers.map((s) => claudeCodeCommand(s, process.platform)),
    inspector: {
      stdio: servers.map((s) => inspectorStdioCommand(s, process.platform, false)),
      stdio_cli: servers.map((s) => inspectorStdioCommand(s, process.platform, true)),
      http: run.accounts.map((a) => inspectorHttpCommand(run.mcpUrl, a.mcpToken, process.platform)),
    },
  };
}

function narration(run: SandboxRun): string[] {
  const servers = run.accounts.map((a) => a.launch);
  const p = process.platform;
  const json = (v: unknown) => JSON.stringify(v, null, 2);
  return [
    'crm-mcp sandbox: HubSpot and Salesforce sandboxes for your MCP clients (Ctrl-C stops them).',
    `  data dir    ${run.dataDir}  (store, key, config.json, sandbox.json: kept for the next start)`,
    `  HubSpot     ${run.hubspotUrl}  (fake, loopback)`,
    `  Salesforce  ${run.salesforceUrl}  (fake, loopback)`,
    `  accounts    ${run.accounts.map((a) => `${a.account.id} (${a.crm}, ${a.account.status}, ${a.origin === 'seeded' ? 'seeded now' : 'kept from the last start'})`).join(', ')}`,
    `  MCP HTTP    ${run.mcpUrl}`,
    ...run.accounts.filter((a) => a.account.status !== 'active').map((a) => `  note: ${a.account.id} is ${a.account.status}; 'crm-mcp accounts refresh ${a.account.id}' with its server's flags and env retries it`),
    '',
    'Claude Desktop: merge into claude_desktop_config.json, then restart Claude Desktop',
    json(claudeDesktopConfig(servers)),
    '',
    'VS Code: .vscode/mcp.json',
    json(vscodeConfig(servers)),
    '',
    'Claude Code:',
    ...servers.map((s) => claudeCodeCommand(s, p)),
    '',
    "MCP Inspector, stdio (it passes the server none of your shell's variables, so each is an -e): web UI, then terminal",
    ...servers.flatMap((s) => [inspectorStdioCommand(s, p, false), inspectorStdioCommand(s, p, true)]),
    '',
    'MCP Inspector, Streamable HTTP (bearer tokens valid until the sandbox restarts):',
    ...run.accounts.map((a) => inspectorHttpCommand(run.mcpUrl, a.mcpToken, p)),
    '',
    'The clients work while this runs; the CRM records are re-seeded at every start.',
  ];
}
