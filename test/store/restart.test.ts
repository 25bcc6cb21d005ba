/**
 * The embedded store survives a restart: a second OS process opening the same data dir
 * (same key file, same SQLite file) sees the accounts, decrypted; a writer killed mid-write
 * leaves every record whole.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.js';
import { openStore } from '../../src/app/open-store.js';
import { makeAccount } from '../helpers/accounts.js';
import { distModule } from '../helpers/dist.js';

describe('embedded store across processes', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'crm-mcp-restart-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a second process opening the same store sees the accounts; the key file is generated once, 0600', async () => {
    const notices: string[] = [];
    const opened = await openStore(loadConfig({ env: { CRM_MCP_DATA_DIR: dir } }), { notice: (l) => notices.push(l), create: true });
    for (let i = 0; i < 10; i++) await opened.accounts.put(makeAccount(`p${i}`, { tenant_id: i % 2 ? 'odd' : 'even' }));
    await opened.close();
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain(join(dir, 'keys.json'));
    expect(notices[0]).toContain('0600');
    expect(statSync(join(dir, 'keys.json')).mode & 0o777).toBe(0o600);

    const script = join(dir, 'reader.mjs');
    writeFileSync(
      script,
      `import { loadConfig } from ${JSON.stringify(distModule('app/config'))};
import { openStore } from ${JSON.stringify(distModule('app/open-store'))};
const o = await openStore(loadConfig({ env: { CRM_MCP_DATA_DIR: process.argv[2] } }), { create: true });
const even = await o.accounts.listByTenant('even');
const p7 = await o.accounts.get('p7');
console.log(JSON.stringify({ even: even.map((a) => a.id), p7: p7?.context.oauth?.token.refresh_token, counts: await o.accounts.countByStatus() }));
await o.close();
`,
    );
    const child = spawnSync(process.execPath, [script, dir], { encoding: 'utf8', timeout: 60_000 });
    expect(child.status, child.stderr).toBe(0);
    // The second start found the key file: no second notice.
    expect(child.stderr).not.toContain('generated');
    const out = JSON.parse(child.stdout.trim()) as { even: string[]; p7: string; counts: Record<string, number> };
    expect(out.even).toEqual(['p0', 'p2', 'p4', 'p6', 'p8']);
    expect(out.p7).toBe('rt-p7-SECRETREFRESH');
    expect(out.counts.active).toBe(10);
  });

  it('a process killed in the middle of writing leaves every account whole and readable', async () => {
    const script = join(dir, 'writer.mjs');
    writeFileSync(
      script,
      `import { loadConfig } from ${JSON.stringify(distModule('app/config'))};
import { openStore } from ${JSON.stringify(distModule('app/open-store'))};
const o = await openStore(loadConfig({ env: { CRM_MCP_DATA_DIR: process.argv[2] } }), { notice: () => {}, create: true });
for (const a of ${JSON.stringify(Array.from({ length: 20 }, (_, i) => makeAccount(`w${i}`)))}) await o.accounts.put(a);
for (let n = 1; ; n++) {
  await o.accounts.update('w' + (n % 20), (a) => ({ ...a, context: { ...a.context, gen: n, oauth: { token: { ...a.context.oauth.token, access_token: 'at-gen-' + n + '-SECRET', refresh_token: 'rt-gen-' + n + '-SECRET' } } } }));
  if (n === 300) process.stdout.write('busy\\n');
}
`,
    );
    const child = spawn(process.execPath, [script, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (b: Buffer) => b.toString().includes('busy') && resolve());
      void exited.then(() => reject(new Error(`writer exited early: ${err}`)));
    });
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const opened = await openStore(loadConfig({ env: { CRM_MCP_DATA_DIR: dir } }), { notice: () => {}, create: true });
    try {
      const corrupt: string[] = [];
      const seen: string[] = [];
      for await (const a of opened.accounts.list({ onCorrupt: (id) => corrupt.push(id) })) {
        seen.push(a.id);
        const t = a.context.oauth!.token;
        const gen = a.context.gen as number | undefined;
        // Never a torn record: both tokens and the counter come from the same write.
        if (gen === undefined) expect(t.refresh_token).toBe(`rt-${a.id}-SECRETREFRESH`);
        else expect([t.access_token, t.refresh_token]).toEqual([`at-gen-${gen}-SECRET`, `rt-gen-${gen}-SECRET`]);
      }
      expect(corrupt).toEqual([]);
      expect(seen.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `w${i}`).sort());
      // And the store takes writes again.
      expect((await opened.accounts.update('w1', (a) => ({ ...a, context: { ...a.context, gen: -1 } }))).context.gen).toBe(-1);
    } finally {
      await opened.close();
    }
  });

  it('Redis without a configured key is refused (replicas need the same key); nothing generated', async () => {
    await expect(openStore(loadConfig({ env: { CRM_MCP_DATA_DIR: dir, CRM_MCP_STORE: 'redis://127.0.0.1:1' } }))).rejects.toMatchObject({
      code: 'crypto_unknown_key',
      message: expect.stringContaining('CRM_MCP_ENCRYPTION_KEY'),
    });
    expect(() => statSync(join(dir, 'keys.json'))).toThrow();
  });

  it('an unreachable Redis is store_unavailable, not a hang', async () => {
    const key = Buffer.alloc(32, 3).toString('base64');
    await expect(
      openStore(loadConfig({ env: { CRM_MCP_STORE: 'redis://127.0.0.1:1', CRM_MCP_ENCRYPTION_KEY: key } })),
    ).rejects.toMatchObject({ code: 'store_unavailable' });
  });
});

describe('embedded store housekeeping', () => {
  it('entries whose TTL passed are gone after a reopen; live ones stay', async () => {
    const { createSqliteKv } = await import('../../src/store/sqlite-kv.js');
    const { manualClock } = await import('../helpers/manual-clock.js');
    const dir = mkdtempSync(join(tmpdir(), 'crm-mcp-purge-'));
    try {
      const clock = manualClock();
      const kv1 = await createSqliteKv({ path: join(dir, 's.sqlite'), clock });
      await kv1.set('old', 'x', { ttlMs: 1_000 });
      await kv1.set('keep', 'y', { ttlMs: 60_000 });
      await kv1.set('plain', 'z');
      await kv1.close();
      await clock.advance(5_000);
      const kv2 = await createSqliteKv({ path: join(dir, 's.sqlite'), clock });
      const keys: string[] = [];
      for await (const [k] of kv2.scan('')) keys.push(k);
      expect(keys.sort()).toEqual(['keep', 'plain']);
      expect(await kv2.setIfAbsent('old', 'fresh', 1_000)).toBe(true);
      await kv2.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
