/**
 * Runs a real operator command in a child process over the real composition root
 * (openOperatorRuntimeImpl: config, encrypted SQLite/Redis store, definitions, token manager),
 * with the test-only redirects that point definitions at loopback fakes passed as JSON:
 *   CRM_MCP_DATA_DIR=/tmp/x CRM_MCP_TEST_ENV_OVERRIDES='{...}' CRM_MCP_TEST_ALLOWED_HOSTS=127.0.0.1 \
 *   node --import tsx test/cli/helpers/composed-cli.ts connect --integration salesforce --port 0 --json
 */
import { processIo } from '../../../src/cli/io.js';
import { openOperatorRuntimeImpl } from '../../../src/connect/runtime-impl.js';
import type { Json } from '../../../src/integrations/index.js';

const [cmd, ...argv] = process.argv.slice(2);
const extras = {
  envOverrides: JSON.parse(process.env.CRM_MCP_TEST_ENV_OVERRIDES ?? '{}') as Record<string, Record<string, Json>>,
  extraAllowedHosts: (process.env.CRM_MCP_TEST_ALLOWED_HOSTS ?? '').split(',').filter(Boolean),
};
const mods = {
  connect: () => import('../../../src/cli/commands/connect.js'),
  links: () => import('../../../src/cli/commands/links.js'),
  accounts: () => import('../../../src/cli/commands/accounts.js'),
  audit: () => import('../../../src/cli/commands/audit.js'),
  status: () => import('../../../src/cli/commands/status.js'),
} as const;
const load = mods[cmd as keyof typeof mods];
if (!load) {
  process.stderr.write(`composed-cli: unknown command '${cmd}'\n`);
  process.exitCode = 2;
} else {
  const io = { ...processIo(), stderrIsTty: Boolean(process.stderr.isTTY) };
  process.exitCode = await (await load()).runWith(argv, io, (flags, io2) => openOperatorRuntimeImpl(flags, io2, extras));
}
