/**
 * An SDK Client connected (in memory) to createServer for an account of the sandbox rig: the
 * real engine and definitions against the faithful fakes over loopback HTTP.
 */
import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport } from '@modelcontextprotocol/client';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { cryptoRandom } from '../../../src/core/deps.js';
import type { Engine } from '../../../src/engine/types.js';
import { createServer } from '../../../src/mcp/server.js';
import { silentLogger } from '../../engine/helpers/accounts.js';
import { startSandboxRig, type Crm, type SandboxRig } from '../../engine/helpers/sandbox-rig.js';

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

/** A sandbox rig with an active account and a connected client per CRM; `close` stops all of it. */
export async function startRigClients(opts: Parameters<typeof startSandboxRig>[0] = {}): Promise<{ rig: SandboxRig; clients: Record<Crm, RigClient>; close(): Promise<void> }> {
  const rig = await startSandboxRig(opts);
  const clients = {} as Record<Crm, RigClient>;
  for (const crm of ['hubspot', 'salesforce'] as const) {
    await rig.addAccount(crm);
    clients[crm] = await connectRig(rig, `acct-${crm}`);
  }
  return {
    rig,
    clients,
    async close() {
      for (const c of Object.values(clients)) await c.close();
      await rig.close();
    },
  };
}
