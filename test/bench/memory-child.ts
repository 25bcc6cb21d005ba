/**
 * Child process of the memory bench (a fresh heap per backend): loads N linked accounts into
 * the store — the embedded SQLite file, or the in-memory KvStore under the same encrypting
 * codec — then schedules M proactive refreshes with the real token manager and scheduler, and
 * prints one JSON line of process.memoryUsage() before and after (after a GC when exposed).
 *   node --expose-gc --import tsx test/bench/memory-child.ts <sqlite|memory> <accounts> <scheduled>
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LinkedAccount } from '../../src/accounts/model.js';
import { loadConfig } from '../../src/app/config.js';
import { openStore } from '../../src/app/open-store.js';
import { cryptoRandom, systemClock } from '../../src/core/deps.js';
import { silentLogger } from '../helpers/logger.js';
import { createAccountStore } from '../../src/store/kv-account-store.js';
import { createMemoryKv } from '../helpers/memory-kv.js';
import { createMemoryDueQueue } from '../../src/tokens/due-queue.js';
import { createTokenManager } from '../../src/tokens/manager.js';
import { createRefreshScheduler } from '../../src/tokens/scheduler.js';

const [backend = 'sqlite', nArg = '10000', mArg = '1000'] = process.argv.slice(2);
const n = Number(nArg);
const m = Number(mArg);
const gc = (globalThis as { gc?: () => void }).gc;
const usage = () => {
  gc?.();
  const u = process.memoryUsage();
  return { rss_mb: u.rss / 2 ** 20, heap_used_mb: u.heapUsed / 2 ** 20 };
};

const dir = mkdtempSync(join(tmpdir(), 'crm-mcp-bench-mem-'));
const opened = await openStore(loadConfig({ env: { CRM_MCP_DATA_DIR: dir }, cwd: dir }), { notice: () => {}, create: true });
const accounts = backend === 'memory' ? createAccountStore({ kv: createMemoryKv(), codec: opened.codec, clock: systemClock }) : opened.accounts;
const deps = { clock: systemClock, random: cryptoRandom, logger: silentLogger };
const tokens = createTokenManager({
  deps, store: accounts, kv: opened.kv,
  resolveRefreshConfig: async () => ({ tokenUrl: 'http://127.0.0.1:9/unused', clientId: 'c', clientSecret: 's', clientAuth: 'client_secret_post', expiry: { kind: 'expires_in' } }),
});
const queue = createMemoryDueQueue();
const scheduler = createRefreshScheduler({ ...deps, queue, store: accounts, refresh: (id, within) => tokens.refreshIfExpiring(id, within) });
const before = usage();

const now = Date.now();
const iso = new Date(now).toISOString();
const account = (i: number): LinkedAccount => ({
  id: `mem-${i}`, tenant_id: `tenant-${i % 100}`, integration: 'hubspot', environment: 'production', status: 'active', authentication_method: 'oauth2',
  context: {
    oauth: { token: { access_token: `at-${i}-${cryptoRandom.bytes(24).toString('base64url')}`, refresh_token: `rt-${i}-${cryptoRandom.bytes(24).toString('base64url')}`, expires_at: new Date(now + 3_600_000).toISOString(), token_type: 'bearer', scope: 'oauth crm.objects.contacts.read crm.objects.contacts.write' } },
    hub_id: 40_000 + i,
  },
  created_at: iso, updated_at: iso, version: 0,
});
const t0 = performance.now();
for (let i = 0; i < n; i += 100) await Promise.all(Array.from({ length: Math.min(100, n - i) }, (_, j) => accounts.put(account(i + j))));
const loadMs = performance.now() - t0;
for (let i = 0; i < m; i++) {
  const a = await accounts.get(`mem-${i}`);
  if (a) await scheduler.tokenStored(a);
}
const after = usage();
const scheduled = await queue.size();
let stored = 0;
for await (const _ of accounts.list()) stored++;
process.stdout.write(JSON.stringify({ backend, accounts: stored, scheduled, load_ms: loadMs, before, after, gc_exposed: gc !== undefined }) + '\n');
await opened.close();
rmSync(dir, { recursive: true, force: true });
