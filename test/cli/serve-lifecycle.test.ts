/**
 * Regressions for `serve` stopping (the report): on Redis it kept running when it could not
 * listen (EADDRINUSE) and ignored SIGTERM for over a second; with a token refresh hanging at the
 * provider it never exited. Now a port it cannot listen on is exit 1 with one line naming the
 * address, on every store backend, and after SIGTERM the process ends within its 1.5 s shutdown
 * grace whatever is still in flight. The built binary as a process; HubSpot fake; real Redis.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccessTokenStore } from '../../src/access-tokens/store.js';
import { loadConfig } from '../../src/app/config.js';
import { openStore } from '../../src/app/open-store.js';
import { cryptoRandom, systemClock } from '../../src/core/deps.js';
import { cliArgs } from '../helpers/dist.js';
import { redisAvailable, redisSkipReason, startRedis, type RedisHandle } from '../helpers/redis-server.js';
import { ACCOUNT_IDS, startSandboxCrms, TENANTS, type SandboxCrms } from '../mcp/helpers/sandbox-crms.js';

let crms: SandboxCrms;
let redis: RedisHandle | undefined;
let busy: Server;
let busyPort: number;

beforeAll(async () => {
  crms = await startSandboxCrms();
  if (redisAvailable) redis = await startRedis();
  busy = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  busyPort = (busy.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise<void>((r) => busy.close(() => r()));
  await redis?.stop();
  await crms?.close();
});

/** A store (SQLite in a temp data dir, or Redis) seeded with the fakes' accounts; the env to open it. */
async function seeded(backend: 'sqlite' | 'redis', o: { expired?: boolean } = {}) {
  const env = { ...crms.envFor(mkdtempSync(join(tmpdir(), 'crm-serve-life-'))), ...(backend === 'redis' ? { CRM_MCP_STORE: redis!.url, CRM_MCP_REDIS_PREFIX: `life${Date.now()}:` } : {}) };
  const store = await openStore(loadConfig({ env }), { create: true, notice: () => {} });
  try {
    for (const a of crms.mintAccounts()) {
      if (o.expired && a.integration === 'hubspot') a.context.oauth!.token.expires_at = new Date(Date.now() - 60_000).toISOString();
      await store.accounts.put(a);
    }
    const { token } = await createAccessTokenStore({ kv: store.kv, clock: systemClock, random: cryptoRandom }).create({ tenantId: TENANTS.hubspot, accountId: ACCOUNT_IDS.hubspot });
    return { env, token };
  } finally {
    await store.close();
  }
}

function serve(env: NodeJS.ProcessEnv, args: string[]) {
  const child = spawn(process.execPath, cliArgs('serve', ...args), { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

async function listening(s: ReturnType<typeof serve>): Promise<string> {
  await expect.poll(() => s.out().includes('listening'), { timeout: 20_000 }).toBe(true);
  return (JSON.parse(s.out().split('\n')[0]!) as { listening: string }).listening;
}

const backends = (['sqlite', 'redis'] as const).filter((b) => b === 'sqlite' || redisAvailable);

describe('serve stops', () => {
  for (const backend of backends) {
    it(`${backend}: a port in use is exit 1 with one line naming the address`, async () => {
      const { env } = await seeded(backend);
      const s = serve(env, ['--port', String(busyPort)]);
      expect(await s.exited).toBe(1);
      expect(s.err().trimEnd().split('\n').filter((l) => !l.startsWith('{'))).toEqual([`crm-mcp serve: cannot listen on 127.0.0.1:${busyPort}: listen EADDRINUSE: address already in use 127.0.0.1:${busyPort}`]);
      expect(s.out()).toBe('');
    }, 30_000);
  }

  for (const backend of backends) {
    it(`${backend}: SIGTERM while a token refresh hangs at the provider ends the process; the hung call never completes`, async () => {
      const { env, token } = await seeded(backend, { expired: true });
      crms.sb.hubspot.oauth.faults.clear();
      crms.sb.hubspot.oauth.faults.inject({ kind: 'hang' }, { scope: 'token', count: 10 });
      const s = serve(env, ['--port', '0']);
      const url = await listening(s);
      const call = fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'list_contacts', arguments: {} } }),
      }).then((r) => r.status, () => 'cut off');
      await expect.poll(() => crms.sb.hubspot.log.entries.some((e) => e.status === 'hang' && e.path.includes('token')), { timeout: 20_000 }).toBe(true);
      s.child.kill('SIGTERM');
      const code = await s.exited;
      expect(code).not.toBeNull();
      expect(await call).toBe('cut off');
      crms.sb.hubspot.oauth.faults.clear();
    }, 30_000);
  }
  if (!redisAvailable) it.skip(`redis backends ${redisSkipReason}`, () => {});
});

