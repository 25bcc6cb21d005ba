/**
 * An SDK Client connected (in memory) to createServer for an account of the sandbox rig: the
 * real engine and definitions against the faithful fakes over loopback HTTP.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { cryptoRandom } from '../../../src/core/deps.js';
import type { Engine } from '../../../src/engine/types.js';
import { createServer } from '../../../src/mcp/server.js';
import { silentLogger } from '../../engine/helpers/accounts.js';
import type { SandboxRig } from '../../engine/helpers/sandbox-rig.js';

export interface RigClient {
  client: Client;
  call(name: string, args: Record<string, unknown>): Promise<CallToolResult>;
  close(): Promise<void>;
}

export async function connectRig(rig: SandboxRig, accountId: string, engine: Engine = rig.engine): Promise<RigClient> {
  const account = await rig.store.get(accountId);
  if (!account) throw new Error(`no account ${accountId}`);
  const built = await createServer({ account, engine, deps: { clock: rig.clock, random: cryptoRandom, logger: silentLogger(rig.logs) }, loadAccount: () => rig.store.get(accountId) });
  const [a, b] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'rig-test', version: '1' });
  await built.server.connect(a);
  await client.connect(b);
  return {
    client,
    call: async (name, args) => (await client.callTool({ name, arguments: args })) as CallToolResult,
    async close() {
      await client.close();
      await built.cleanup();
    },
  };
}
