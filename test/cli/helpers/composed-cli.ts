/**
 * Runs a real operator command in a child process over buildOperatorRuntime with the real
 * definitions and engine, an in-memory store, and environment overrides pointing at loopback
 * providers in the test process. Until the store and token manager land, this is the composition
 * root the spawned operator tests use.
 *   CRM_MCP_TEST_ENV_OVERRIDES='{...}' CRM_MCP_TEST_ALLOWED_HOSTS=127.0.0.1 \
 *   node --import tsx test/cli/helpers/composed-cli.ts connect --integration salesforce --port 0 --json
 */
import { processIo } from '../../../src/cli/io.js';
import { buildOperatorRuntime } from '../../../src/connect/compose.js';
import { storedTokenProvider } from '../../../src/connect/validators.js';
import { cryptoRandom, systemClock } from '../../../src/core/deps.js';
import { createLogger } from '../../../src/core/logger.js';
import { loadRegistry, type Json } from '../../../src/integrations/index.js';
import { plainCodec } from '../../../src/store/codec.js';
import { createAccountStore } from '../../../src/store/kv-account-store.js';
import { createMemoryKv } from '../../../src/store/memory-kv.js';
import { memoryAudit, testSealer } from './operator-runtime.js';

const [cmd, ...argv] = process.argv.slice(2);
const kv = createMemoryKv();
const accounts = createAccountStore({ kv, codec: plainCodec, clock: systemClock });
const rt = buildOperatorRuntime({
  kv,
  accounts,
  deps: { clock: systemClock, random: cryptoRandom, logger: createLogger({ level: 'warn' }) },
  sealer: testSealer,
  registry: loadRegistry(),
  tokens: storedTokenProvider(accounts),
  audit: memoryAudit(systemClock),
  webhooks: { reactivated: async () => {} },
  env: process.env,
  envOverrides: JSON.parse(process.env.CRM_MCP_TEST_ENV_OVERRIDES ?? '{}') as Record<string, Record<string, Json>>,
  extraAllowedHosts: (process.env.CRM_MCP_TEST_ALLOWED_HOSTS ?? '').split(',').filter(Boolean),
  close: async () => {},
});
const mods = {
  connect: () => import('../../../src/cli/commands/connect.js'),
  links: () => import('../../../src/cli/commands/links.js'),
  accounts: () => import('../../../src/cli/commands/accounts.js'),
} as const;
const load = mods[cmd as keyof typeof mods];
if (!load) {
  process.stderr.write(`composed-cli: unknown command '${cmd}'\n`);
  process.exitCode = 2;
} else {
  process.exitCode = await (await load()).runWith(argv, processIo(), async () => rt);
}
