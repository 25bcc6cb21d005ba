/**
 * Runs a real MCP command (stdio, serve, tokens) in a child process over the real composition
 * root (openRuntimeImpl: encrypted SQLite store, token manager, engine, definitions), with the
 * test-only redirects that point the definitions at the src/sandbox fakes in the test process:
 *   CRM_MCP_TEST_ENV_OVERRIDES='{...}' CRM_MCP_TEST_ALLOWED_HOSTS=127.0.0.1:1234 CRM_MCP_TEST_DEFINITIONS_DIR=/tmp/defs \
 *   node --import tsx test/mcp/helpers/sandbox-cli.ts stdio --account acct-hubspot
 * Everything else (store location, key, OAuth clients) comes from the usual CRM_MCP_* variables.
 */
import { processIo } from '../../../src/cli/io.js';
import type { Json } from '../../../src/integrations/index.js';
import type { RuntimeFlags } from '../../../src/mcp/runtime.js';
import { openRuntimeImpl } from '../../../src/mcp/runtime-impl.js';

const env = process.env;
const extras = {
  envOverrides: JSON.parse(env.CRM_MCP_TEST_ENV_OVERRIDES ?? '{}') as Record<string, Record<string, Json>>,
  extraAllowedHosts: (env.CRM_MCP_TEST_ALLOWED_HOSTS ?? '').split(',').filter(Boolean),
  ...(env.CRM_MCP_TEST_DEFINITIONS_DIR ? { extraDefinitionDirs: [env.CRM_MCP_TEST_DEFINITIONS_DIR] } : {}),
};
const open = (flags: RuntimeFlags, io: ReturnType<typeof processIo>) => openRuntimeImpl(flags, io, extras);
const [cmd, ...argv] = process.argv.slice(2);
const mods = {
  stdio: () => import('../../../src/cli/commands/stdio.js'),
  serve: () => import('../../../src/cli/commands/serve.js'),
  tokens: () => import('../../../src/cli/commands/tokens.js'),
} as const;
const load = mods[cmd as keyof typeof mods];
if (!load) {
  process.stderr.write(`sandbox-cli: unknown command '${cmd}'\n`);
  process.exitCode = 2;
} else {
  process.exitCode = await (await load()).runWith(argv, processIo(), open);
}
