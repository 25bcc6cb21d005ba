/**
 * Regressions for the embedded store's files (the report): `store.sqlite`, `-wal` and `-shm` were
 * world-readable (0644) when the data directory already existed, and a read-only store could not
 * run even `status` (SQLITE_READONLY). Now the files are 0600 and a directory the store creates is
 * 0700 whatever the umask (an older, wider store is narrowed when opened), and a store this process
 * may not write opens for reading: read commands work, writes fail saying the store is read-only.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteKv } from '../../src/store/sqlite-kv.js';
import { cliArgs } from '../helpers/dist.js';

const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);
const previousUmask = process.umask();
afterEach(() => {
  process.umask(previousUmask);
});

describe('file modes', () => {
  it('with umask 022, in a data directory that already exists (0755): store, -wal and -shm are 0600 while open', async () => {
    process.umask(0o022);
    const dir = mkdtempSync(join(tmpdir(), 'crm-modes-'));
    chmodSync(dir, 0o755);
    const path = join(dir, 'store.sqlite');
    const kv = await createSqliteKv({ path });
    try {
      await kv.set('acct:a', '{"x":1}');
      const files = readdirSync(dir).sort();
      expect(files).toEqual(['store.sqlite', 'store.sqlite-shm', 'store.sqlite-wal']);
      expect(files.map((f) => `${f} ${mode(join(dir, f))}`)).toEqual(files.map((f) => `${f} 600`));
    } finally {
      await kv.close();
    }
    expect(mode(dir)).toBe('755');
  });

  it('a directory the store creates is 0700 (umask 002); a store left 0644 by an older version is narrowed to 0600 on open', async () => {
    process.umask(0o002);
    const root = mkdtempSync(join(tmpdir(), 'crm-modes-'));
    const kv = await createSqliteKv({ path: join(root, 'data', 'store.sqlite') });
    await kv.set('k', 'v');
    await kv.close();
    expect(mode(join(root, 'data'))).toBe('700');
    chmodSync(join(root, 'data', 'store.sqlite'), 0o644);
    const again = await createSqliteKv({ path: join(root, 'data', 'store.sqlite') });
    try {
      expect(mode(join(root, 'data', 'store.sqlite'))).toBe('600');
      expect(await again.get('k')).toBe('v');
    } finally {
      await again.close();
    }
  });
});

/**
 * A data dir owned by the user the CLI runs as, its store file read-only to it. As root (who may
 * write anything) the CLI runs as `nobody` over a dir chowned to it.
 */
function readOnlyStore(): { dir: string; run: (args: string[]) => { code: number | null; stdout: string; stderr: string } } {
  const dir = mkdtempSync(join(tmpdir(), 'crm-ro-'));
  const env = { ...process.env, CRM_MCP_DATA_DIR: join(dir, 'data'), NO_COLOR: '1' };
  const asRoot = process.getuid?.() === 0;
  const run = (args: string[], as = asRoot) => {
    const r = spawnSync(process.execPath, cliArgs(...args), { encoding: 'utf8', env, cwd: dir, timeout: 60_000, ...(as ? { uid: 65534, gid: 65534 } : {}) });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const file = join(dir, 'in.ndjson');
  writeFileSync(file, JSON.stringify({ id: 'ro-1', integration: 'hubspot', tenant_id: 't', authentication_method: 'oauth2', context: { oauth: { token: { access_token: 'at-1', refresh_token: 'rt-1', expires_at: '2099-01-01T00:00:00Z' } } } }) + '\n');
  mkdirSync(join(dir, 'data'), { mode: 0o700 });
  if (asRoot) for (const p of [dir, join(dir, 'data'), file]) chownSync(p, 65534, 65534);
  const imp = run(['accounts', 'import', file]);
  if (imp.code !== 0) throw new Error(`import failed: ${imp.stderr}`);
  chmodSync(join(dir, 'data', 'store.sqlite'), 0o400);
  return { dir, run: (args) => run(args) };
}

describe('a read-only store', () => {
  it('serves the read commands (status, accounts list, audit); a write (tokens create) fails saying the store is read-only', () => {
    const { dir, run } = readOnlyStore();
    const st = run(['status', '--json']);
    expect(st.code, st.stderr).toBe(0);
    expect(JSON.parse(st.stdout)).toMatchObject({ total: 1, unreadable: 0 });
    const list = run(['accounts', 'list', '--json']);
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout).accounts.map((a: { id: string }) => a.id)).toEqual(['ro-1']);
    expect(run(['audit', '--json']).code).toBe(0);
    const write = run(['tokens', 'create', '--tenant', 't', '--account', 'ro-1']);
    expect(write.code).toBe(1);
    expect(write.stderr).toContain('read-only');
    expect(mode(join(dir, 'data', 'store.sqlite'))).toBe('400');
    expect(existsSync(join(dir, 'data', 'store.sqlite'))).toBe(true);
  });
});
