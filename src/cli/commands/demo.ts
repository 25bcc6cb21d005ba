/**
 * `crm-mcp demo [--once] [--port <p>]`: the embedded demo (src/demo/run.ts). Without `--once`
 * it leaves the server running and prints how to point an MCP client at it; exit code 0 only
 * when every agent step succeeded.
 */
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit.js';
import { parsePort } from '../kit.js';

const DEFAULT_PORT = 8080;

const HELP = `
Starts the built-in HubSpot and Salesforce sandboxes, seeds a tenant with one linked account on
each in a fresh encrypted embedded store, serves MCP over Streamable HTTP and runs the example
agent on both: search contacts by name → that contact's open deal (HubSpot: linked to the contact;
Salesforce: of the contact's account) → move it to the next stage → log a note on the deal.
For sandboxes that stay up for your own MCP clients, see 'crm-mcp sandbox'.
The demo never touches your own store: it ignores --config, --data-dir, --store, --redis-url and
--keys-file and runs in a temporary directory it deletes when it stops. --log-level applies
(default warn); --json, with --once, prints one JSON summary line instead of the narration.`;

export function define(demo: Command, ctx: CommandContext): void {
  const { io } = ctx;
  demo
    .option('--once', 'stop after the agent run (exit 0 when every step succeeded)', false)
    .option('--port <p>', `MCP server port (default ${DEFAULT_PORT}, or a free port when ${DEFAULT_PORT} is taken)`)
    .addHelpText('after', HELP)
    .action(
      ctx.action(async (cmd) => {
        const v = cmd.opts<{ once: boolean; port?: string }>();
        const port = v.port === undefined ? DEFAULT_PORT : parsePort(v.port);
        const quiet = v.once && ctx.globals().json;
        const print = quiet ? () => {} : (line: string) => io.stdout(line + '\n');
        const demo = await ctx.runDemo({ port, fallbackToFreePort: v.port === undefined, logLevel: ctx.globals().logLevel ?? 'warn', stderr: io.stderr, print });
        const summary = { ok: demo.ok, url: demo.url, results: demo.results };
        if (quiet) io.stdout(JSON.stringify(summary) + '\n');
        else print(demo.ok ? '\ndemo: all agent steps succeeded' : '\ndemo: some agent steps FAILED (see above)');
        if (!v.once) {
          const hub = demo.accounts[0];
          print('');
          print(`The server keeps running. Point an MCP client at ${demo.url} with a bearer token:`);
          for (const a of demo.accounts) print(`  ${a.account.id}: Authorization: Bearer ${a.mcpToken}`);
          if (hub) print(`e.g.  npx @modelcontextprotocol/inspector --cli ${demo.url} --header "Authorization: Bearer ${hub.mcpToken}" --method tools/list`);
          print('(demo tokens reach only the demo store, which is deleted when you stop; Ctrl-C to stop)');
          await ctx.stopped();
        }
        await demo.close();
        return demo.ok ? EXIT.ok : EXIT.failure;
      }),
    );
}
