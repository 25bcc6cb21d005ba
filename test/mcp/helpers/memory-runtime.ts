import type { CliIo } from '../../../src/cli/io.js';
import { cryptoRandom, type Logger } from '../../../src/core/deps.js';
import { createMemoryLogger } from '../../helpers/logger.js';
import type { McpRuntime } from '../../../src/mcp/runtime.js';
import { plainCodec } from '../../helpers/memory-kv.js';
import { createAccountStore } from '../../../src/store/kv-account-store.js';
import { createMemoryKv } from '../../helpers/memory-kv.js';
import { manualClock } from '../../helpers/manual-clock.js';
import { testAccount } from './accounts.js';
import { createMemoryEngine } from './memory-engine.js';

/** An in-memory McpRuntime with accounts a-acct/a-other (tenant-a) and b-acct (tenant-b). */
export async function memoryRuntime(opts: { logger?: Logger } = {}): Promise<McpRuntime & { closed: number; clock: ReturnType<typeof manualClock> }> {
  const clock = manualClock();
  const kv = createMemoryKv(clock);
  const accounts = createAccountStore({ kv, codec: plainCodec, clock });
  await accounts.put(testAccount({ id: 'a-acct', tenant_id: 'tenant-a' }));
  await accounts.put(testAccount({ id: 'a-other', tenant_id: 'tenant-a' }));
  await accounts.put(testAccount({ id: 'b-acct', tenant_id: 'tenant-b', integration: 'salesforce' }));
  const rt = {
    kv,
    accounts,
    engine: createMemoryEngine(),
    deps: { clock, random: cryptoRandom, logger: opts.logger ?? createMemoryLogger() },
    crmName: (i: string) => (i === 'salesforce' ? 'Salesforce' : i === 'hubspot' ? 'HubSpot' : undefined),
    closed: 0,
    clock,
    async close() {
      rt.closed++;
    },
  };
  return rt;
}

export function captureIo(env: NodeJS.ProcessEnv = {}): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (s) => out.push(s), stderr: (s) => err.push(s), env, stdoutIsTty: false };
}
