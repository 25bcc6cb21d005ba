/**
 * The bench's handle on the provider fake's process (provider-child.ts): the config that points
 * crm-mcp at it, the seeded HubSpot grant, its CPU (probe), the OAuth server's token-request count
 * and a way to expire every access token it issued.
 */
import type { SandboxConfig } from '../../src/demo/sandbox-env.js';
import type { SandboxGrant } from '../../src/sandbox/index.js';
import { PROBE_FLAGS } from './probe.js';
import { startProc, type Proc } from './procs.js';
import { selfScript } from './spawn.js';

/** The rate limit the sandbox runs with during the benches (HubSpot's real one is 100 per 10 s). */
export const RAISED_LIMIT = { max: 10_000_000, intervalMs: 10_000 };

export interface Provider {
  proc: Proc;
  config: SandboxConfig;
  grant: SandboxGrant;
  url: string;
  tokenRequests(): Promise<number>;
  /** Expires every access token the fake issued (calls presenting one get 401). */
  expireAll(): Promise<void>;
  close(): Promise<void>;
}

export async function startProvider(): Promise<Provider> {
  const { command, args } = selfScript(import.meta.url, 'provider-child', [...PROBE_FLAGS]);
  const proc = await startProc('provider fake', command, args, { readyKey: 'ready' });
  const ready = proc.ready as { config: SandboxConfig; grant: SandboxGrant; hubspot_url: string };
  let id = 0;
  const ask = (op: string) =>
    new Promise<number>((resolve, reject) => {
      const mine = ++id;
      const onMessage = (m: unknown) => {
        const r = m as { provider?: string; id?: number; token_requests?: number };
        if (r?.provider !== 'reply' || r.id !== mine) return;
        proc.child.off('message', onMessage);
        resolve(r.token_requests ?? NaN);
      };
      proc.child.on('message', onMessage);
      proc.child.send({ provider: op, id: mine }, (err) => err && reject(err));
    });
  return {
    proc, config: ready.config, grant: ready.grant, url: ready.hubspot_url,
    tokenRequests: () => ask('token-requests'),
    expireAll: async () => void (await ask('expire')),
    close: () => proc.close(),
  };
}
