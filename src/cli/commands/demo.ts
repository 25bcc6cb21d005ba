/**
 * `crm-mcp demo [--once] [--port <p>] [--json]`: the embedded demo (src/demo/run.ts). Without
 * `--once` it leaves the server running and prints how to point an MCP client at it; exit code
 * 0 only when every agent step succeeded.
 */
import { parseArgs } from 'node:util';
import type { CliIo } from '../io.js';

const DEFAULT_PORT = 8080;

const USAGE = `Usage: crm-mcp demo [--once] [--port <p>] [--json] [--log-level <level>]

Starts the built-in HubSpot and Salesforce sandboxes, seeds a tenant with one linked account on
each in a fresh encrypted embedded store, serves MCP over Streamable HTTP and runs the example
agent (find a contact → update their deal's stage → log a note on the deal).
  --once               stop after the agent run (exit 0 when every step succeeded)
  --port <p>           MCP server port (default 8080, or a free port when 8080 is taken)
  --json               with --once: print one JSON summary line instead of the narration
  --log-level <level>  debug | info | warn | error (stderr; default warn)
`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        once: { type: 'boolean', default: false },
        port: { type: 'string' },
        json: { type: 'boolean', default: false },
        'log-level': { type: 'string', default: 'warn' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    io.stderr(`crm-mcp demo: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  const port = Number(values.port ?? DEFAULT_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    io.stderr('crm-mcp demo: --port must be 0-65535\n');
    return 2;
  }
  const level = values['log-level'];
  if (!['debug', 'info', 'warn', 'error'].includes(level)) {
    io.stderr('crm-mcp demo: --log-level must be debug, info, warn or error\n');
    return 2;
  }
  const { runDemo } = await import('../../demo/run.js');
  const quiet = values.once && values.json;
  const print = quiet ? () => {} : (line: string) => io.stdout(line + '\n');
  let demo;
  try {
    demo = await runDemo({ port, fallbackToFreePort: values.port === undefined, logLevel: level as 'warn', stderr: io.stderr, print });
  } catch (err) {
    io.stderr(`crm-mcp demo: ${(err as Error).message}\n`);
    return 1;
  }
  const summary = { ok: demo.ok, url: demo.url, results: demo.results };
  if (quiet) io.stdout(JSON.stringify(summary) + '\n');
  else print(demo.ok ? '\ndemo: all agent steps succeeded' : '\ndemo: some agent steps FAILED (see above)');
  if (values.once) {
    await demo.close();
    return demo.ok ? 0 : 1;
  }
  const hub = demo.accounts[0];
  print('');
  print(`The server keeps running. Point an MCP client at ${demo.url} with a bearer token:`);
  for (const a of demo.accounts) print(`  ${a.account.id}: Authorization: Bearer ${a.mcpToken}`);
  if (hub) print(`e.g.  npx @modelcontextprotocol/inspector --cli ${demo.url} --header "Authorization: Bearer ${hub.mcpToken}" --method tools/list`);
  print('(demo tokens reach only the demo store, which is deleted when you stop; Ctrl-C to stop)');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await demo.close();
  return demo.ok ? 0 : 1;
}
