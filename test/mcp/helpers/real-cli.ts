/**
 * Runs the real stdio/serve command code in a child process with the real engine and
 * definitions (composed by buildMcpRuntime, as the CLI does) over an in-memory store seeded from
 * the environment and a non-refreshing token provider (the fake CRMs run in the test process).
 * Until the store and token manager land, this is the composition root the spawned tests use.
 *   CRM_MCP_TEST_ACCOUNTS='[...]' CRM_MCP_TEST_ALLOWED_HOSTS='127.0.0.1:*' \
 *   node --import tsx test/mcp/helpers/real-cli.ts stdio --account acct-hubspot
 */
import { processIo } from '../../../src/cli/io.js';
import { LinkedAccountSchema } from '../../../src/accounts/model.js';
import { cryptoRandom, systemClock } from '../../../src/core/deps.js';
import { createLogger } from '../../../src/core/logger.js';
import type { Json } from '../../../src/integrations/index.js';
import { buildMcpRuntime } from '../../../src/mcp/compose.js';
import type { McpRuntime } from '../../../src/mcp/runtime.js';
import { plainCodec } from '../../../src/store/codec.js';
import { createAccountStore } from '../../../src/store/kv-account-store.js';
import { createMemoryKv } from '../../../src/store/memory-kv.js';
import { fixedTokens, realRegistry } from './real-stack.js';

async function open(): Promise<McpRuntime> {
  const kv = createMemoryKv();
  const accounts = createAccountStore({ kv, codec: plainCodec, clock: systemClock });
  for (const a of JSON.parse(process.env.CRM_MCP_TEST_ACCOUNTS ?? '[]') as unknown[]) await accounts.put(LinkedAccountSchema.parse(a));
  const deps = { clock: systemClock, random: cryptoRandom, logger: createLogger({ level: 'debug' }) };
  const extraAllowedHosts = (process.env.CRM_MCP_TEST_ALLOWED_HOSTS ?? '').split(',').filter(Boolean);
  const envOverrides = JSON.parse(process.env.CRM_MCP_TEST_ENV_OVERRIDES ?? '{}') as Record<string, Record<string, Json>>;
  return buildMcpRuntime({
    kv,
    accounts,
    deps,
    registry: realRegistry(),
    tokens: fixedTokens((id) => accounts.get(id)),
    envOverrides,
    extraAllowedHosts,
    close: async () => {},
  });
}

const [cmd, ...argv] = process.argv.slice(2);
const mod = cmd === 'serve' ? await import('../../../src/cli/commands/serve.js') : await import('../../../src/cli/commands/stdio.js');
process.exitCode = await mod.runWith(argv, processIo(), open);
