/**
 * Issue 14 item 6 across replicas: two `crm-mcp serve` processes (node dist/cli/main.js) on one
 * real Redis, the HubSpot fake behind them. A create_contact retried with the same
 * idempotency_key on the other replica, or sent to both at once, reaches HubSpot once; the stored
 * result in Redis is sealed (no customer data in clear).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccessTokenStore } from '../../src/access-tokens/store.js';
import { loadConfig } from '../../src/app/config.js';
import { openStore } from '../../src/app/open-store.js';
import { cryptoRandom, systemClock } from '../../src/core/deps.js';
import { cliArgs, ROOT } from '../helpers/dist.js';
import { redisAvailable, redisSkipReason, startRedis, type RedisHandle } from '../helpers/redis-server.js';
import { ACCOUNT_IDS, TENANTS, startSandboxCrms, type SandboxCrms } from './helpers/sandbox-crms.js';

describe.skipIf(!redisAvailable)(`idempotent writes across two serve replicas on Redis${redisAvailable ? '' : ` ${redisSkipReason}`}`, () => {
  let crms: SandboxCrms;
  let redis: RedisHandle;
  let env: Record<string, string>;
  let token: string;
  const replicas: Array<{ child: ChildProcess; base: string; stderr: string[] }> = [];

  beforeAll(async () => {
    crms = await startSandboxCrms();
    redis = await startRedis();
    env = { ...crms.envFor(mkdtempSync(join(tmpdir(), 'crm-idem-'))), CRM_MCP_STORE: redis.url };
    const store = await openStore(loadConfig({ env }), { notice: () => {}, create: true });
    try {
      const hub = crms.mintAccounts().find((a) => a.id === ACCOUNT_IDS.hubspot)!;
      await store.accounts.put(hub);
      token = (await createAccessTokenStore({ kv: store.kv, clock: systemClock, random: cryptoRandom }).create({ tenantId: TENANTS.hubspot, accountId: hub.id })).token;
    } finally {
      await store.close();
    }
    for (let i = 0; i < 2; i++) {
      const stderr: string[] = [];
      const child = spawn(process.execPath, cliArgs('serve', '--port', '0'), { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stderr!.on('data', (c: Buffer) => stderr.push(c.toString()));
      const base = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (c: Buffer) => {
          out += c.toString();
          const m = /"listening":"([^"]+)"/.exec(out);
          if (m) resolve(new URL(m[1]!).origin);
        });
        child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr.join('')}`)));
      });
      replicas.push({ child, base, stderr });
    }
  }, 60_000);

  afterAll(async () => {
    await Promise.all(replicas.map((r) => new Promise((res) => (r.child.once('exit', res), r.child.kill('SIGTERM')))));
    await redis?.stop();
    await crms?.close();
  });

  async function call(replica: number, args: Record<string, unknown>): Promise<CallToolResult> {
    const client = new Client({ name: 'idem-replicas', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', replicas[replica]!.base), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    try {
      return (await client.callTool({ name: 'create_contact', arguments: args })) as CallToolResult;
    } finally {
      await client.close();
    }
  }
  const posts = () => crms.sb.hubspot.log.count(/\/contacts$/, 'POST');
  const contact = (r: CallToolResult) => (r.structuredContent as { contact: { id: string } }).contact;

  it('a retry on the other replica replays the first result: 1 provider request', async () => {
    const before = posts();
    const args = { first_name: 'Replica', last_name: 'Retry', idempotency_key: 'replicas-1' };
    const a = await call(0, args);
    expect(a.isError, JSON.stringify(a.content)).toBeFalsy();
    const b = await call(1, args);
    expect(b.isError, JSON.stringify(b.content)).toBeFalsy();
    expect(posts() - before).toBe(1);
    expect(contact(b)).toEqual(contact(a));
  });

  it('the same write sent to both replicas at once reaches HubSpot once', async () => {
    const before = posts();
    const args = { first_name: 'Replica', last_name: 'Race', idempotency_key: 'replicas-2' };
    const [a, b] = await Promise.all([call(0, args), call(1, args)]);
    expect(Boolean(a.isError) || Boolean(b.isError), `${JSON.stringify(a.content)} / ${JSON.stringify(b.content)}`).toBe(false);
    expect(posts() - before).toBe(1);
    expect(contact(a).id).toBe(contact(b).id);
  });

  it('the stored results are sealed in Redis: no customer data, no idempotency key in clear', async () => {
    const store = await openStore(loadConfig({ env }), { notice: () => {} });
    try {
      const rows: Array<[string, string]> = [];
      for await (const row of store.kv.scan('idem:')) rows.push(row);
      expect(rows.length).toBeGreaterThanOrEqual(2);
      for (const [key, value] of rows) {
        expect(key).toMatch(/^idem:acct-hubspot:[0-9a-f]{64}$/);
        expect(value).toMatch(/^v1\./);
        expect(value).not.toContain('Replica');
      }
      expect(rows.map(([k]) => k).join()).not.toContain('replicas-');
    } finally {
      await store.close();
    }
  });
});
